"""CSV import of directory entries (administrators and unit administrators)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from govhub.services.core.errors import Invalid
from govhub.services.org.directory_import import MAX_BYTES, do_import_csv
from govhub.state.base import AppState, guarded


@dataclass
class RejectedLine:
    """A rejected row as the report shows it."""

    line: int
    username: str
    reason: str


class ImportState(AppState):
    """Upload a CSV file; every row is checked and either all are written or none."""

    done: bool = False
    created: int = 0
    updated: int = 0
    rejected: list[RejectedLine] = []

    @rx.event
    @guarded
    async def upload(self, files: list[rx.UploadFile]):
        """Import the first uploaded file and show the report."""
        if not files:
            raise Invalid("import.error.no_file")
        data = await files[0].read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise Invalid("import.error.too_big")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid("import.error.encoding") from exc
        ip = self._client_ip()
        report = await self._call(lambda s, actor: do_import_csv(s, actor, text, client_ip=ip))
        self.done, self.created, self.updated = True, report.created, report.updated
        self.rejected = [RejectedLine(line=r.line, username=r.username, reason=self._t(r.reason))
                         for r in report.rejected]
        if report.ok:
            return self._toast("success", self._t("import.done", created=report.created, updated=report.updated))

    @rx.event
    @guarded
    async def start_over(self):
        """Clear the report to import another file."""
        self.done, self.created, self.updated, self.rejected = False, 0, 0, []
