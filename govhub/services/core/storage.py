"""File storage behind one small interface (a local folder today, an S3-compatible store later) for documents'
files, message attachments and attachments chosen but not yet sent; and the one upload policy every file passes
before anything is stored (size, name, and type by its whole content: ``file_checks``), with the types, size and
message keys of each kind of file as data (``UploadPolicy``)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import event
from sqlmodel import Session

from govhub.config import get_settings
from govhub.services.core.errors import Invalid
from govhub.services.core.file_checks import content_matches, hidden_characters

KEY = re.compile(r"^[0-9a-f]{32}(\.[a-z]{2,4})?$")  # generated: 128 random bits, and the type for attachments
MAX_NAME = 200
# extension → (MIME type, what the content must look like)
ALLOWED = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class FileStore(Protocol):
    """Where file bytes live; keys are generated here, never chosen by a client."""

    def put(self, data: bytes, key: str | None = None) -> str:
        """Store ``data``; return its new key (a given key must look like a generated one: seeds use the
        content's hash so a second seeding writes the same file)."""

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key`` (FileNotFoundError when missing)."""

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""

    def delete_older_than(self, cutoff: float) -> int:
        """Remove what was stored before ``cutoff`` (seconds since the epoch); how many were removed."""


class LocalFileStore:
    """Files in a folder, under random 128-bit names, two levels deep (ab/abcdef...) or, ``flat``, side by side
    (message attachments have always been stored so)."""

    def __init__(self, root: str | Path, *, flat: bool = False) -> None:
        self.root, self.flat = Path(root), flat

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise FileNotFoundError(key)
        return self.root / key if self.flat else self.root / key[:2] / key

    def put(self, data: bytes, key: str | None = None) -> str:
        key = key or secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def delete_older_than(self, cutoff: float) -> int:
        gone = 0
        for path in self.root.rglob("*") if self.root.is_dir() else ():
            with contextlib.suppress(FileNotFoundError):
                if KEY.match(path.name) and path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
        return gone


_store: FileStore | None = None  # tests may put their own store here


def get_store() -> FileStore:
    """The store of documents' files (GOVHUB_FILES_DIR)."""
    global _store
    if _store is None:
        _store = LocalFileStore(get_settings().files_dir)
    return _store


def attachment_store() -> FileStore:
    """The store of message attachments (GOVHUB_UPLOAD_DIR)."""
    return LocalFileStore(get_settings().upload_dir, flat=True)


def pending_store() -> FileStore:
    """Attachments chosen for a message not sent yet (swept after GOVHUB_PENDING_UPLOAD_HOURS)."""
    return LocalFileStore(Path(get_settings().upload_dir) / "pending", flat=True)


@dataclass(frozen=True)
class UploadPolicy:
    """What one kind of file may be: its types (extension → MIME type), its largest size, and the message keys
    its refusals use (``{errors}.file_empty``, ``.file_name``, ``.file_type``, ``.file_content`` and
    ``too_large``); ``last_component`` keeps only the name after any folders a client sent (attachments), where
    documents refuse such a name."""

    allowed: Mapping[str, str]
    max_bytes: Callable[[], int]
    errors: str
    too_large: str
    last_component: bool = False


@dataclass
class CheckedUpload:
    """An upload that passed every check."""

    name: str
    ext: str
    mime: str
    data: bytes
    sha256: str


def clean_name(name: str, errors: str = "doc.error") -> str:
    """The client's file name for display only; names with a path, '..', control characters or hidden ones (a
    right-to-left override, zero-width characters) are refused."""
    name = str(name or "").strip()
    if (not name or ".." in name or BAD_NAME.search(name) or len(name) > MAX_NAME or name.startswith(".")
            or hidden_characters(name)):
        raise Invalid(f"{errors}.file_name")
    return name


def check_upload(name: str, data: bytes, policy: UploadPolicy | None = None) -> CheckedUpload:
    """The one upload policy: refuse empty, oversized, misnamed or disguised files (a type's first bytes are not
    enough: the whole file must be one) with a message saying which; nothing is stored. Documents' files unless
    another ``policy`` is given."""
    policy = policy or DOCUMENTS
    limit = policy.max_bytes()
    if len(data) == 0:
        raise Invalid(f"{policy.errors}.file_empty", name=str(name or "")[:MAX_NAME])
    if len(data) > limit:
        raise Invalid(f"{policy.errors}.{policy.too_large}", name=str(name or "")[:MAX_NAME],
                      mb=max(1, limit // (1024 * 1024)))
    if policy.last_component:
        name = re.split(r"[\\/]", str(name or ""))[-1]
    name = clean_name(unicodedata.normalize("NFC", str(name or "")), policy.errors)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in policy.allowed:
        raise Invalid(f"{policy.errors}.file_type", name=name)
    if not content_matches(ext, data):
        raise Invalid(f"{policy.errors}.file_content", name=name)
    return CheckedUpload(name=name, ext=ext, mime=policy.allowed[ext], data=data,
                         sha256=hashlib.sha256(data).hexdigest())


DOCUMENTS = UploadPolicy(allowed=ALLOWED, max_bytes=lambda: get_settings().files_max_bytes, errors="doc.error",
                         too_large="file_too_large")


def store_in_transaction(session: Session, data: bytes, store: FileStore | None = None, key: str | None = None) -> str:
    """Store ``data`` now (in the documents' store unless ``store`` is given); if the session's transaction rolls
    back, the stored file is removed again."""
    store = store or get_store()
    key = store.put(data, key)
    session.info.setdefault("stored_keys", []).append((store, key))
    return key


@event.listens_for(Session, "after_commit")
def _keep_stored(session: Session) -> None:
    session.info.pop("stored_keys", None)


@event.listens_for(Session, "after_rollback")
def _drop_stored(session: Session) -> None:
    for store, key in session.info.pop("stored_keys", []):
        store.delete(key)
