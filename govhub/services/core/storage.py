"""File storage behind one small interface (a local folder today, an S3-compatible store later), and the
checks every upload passes before anything is stored: size, name, and type by content (magic bytes)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import event
from sqlmodel import Session

from govhub.config import get_settings
from govhub.services.core.errors import Invalid
from govhub.services.core.file_checks import content_matches, hidden_characters

KEY = re.compile(r"^[0-9a-f]{32}$")
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


class LocalFileStore:
    """Files in a folder, under random 128-bit names, two levels deep (ab/abcdef...)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise FileNotFoundError(key)
        return self.root / key[:2] / key

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


_store: FileStore | None = None  # tests may put their own store here


def get_store() -> FileStore:
    """The configured store (GOVHUB_FILES_DIR)."""
    global _store
    if _store is None:
        _store = LocalFileStore(get_settings().files_dir)
    return _store


@dataclass
class CheckedUpload:
    """An upload that passed every check."""

    name: str
    ext: str
    mime: str
    data: bytes
    sha256: str


def clean_name(name: str) -> str:
    """The client's file name for display only; names with a path, '..', control characters or hidden ones (a
    right-to-left override, zero-width characters) are refused."""
    name = str(name or "").strip()
    if (not name or ".." in name or BAD_NAME.search(name) or len(name) > MAX_NAME or name.startswith(".")
            or hidden_characters(name)):
        raise Invalid("doc.error.file_name")
    return name


def _looks_like(ext: str, data: bytes) -> bool:
    if ext == "pdf":
        return data.startswith(b"%PDF-")
    if ext == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext in ("docx", "xlsx"):
        return content_matches(ext, data)  # every member decompressed within bounds (no zip bomb), the main part
    return False


def check_upload(name: str, data: bytes, *, max_bytes: int | None = None) -> CheckedUpload:
    """Refuse empty, oversized, misnamed or disguised files with a message saying which; nothing is stored."""
    limit = max_bytes or get_settings().files_max_bytes
    if len(data) == 0:
        raise Invalid("doc.error.file_empty")
    if len(data) > limit:
        raise Invalid("doc.error.file_too_large", mb=max(1, limit // (1024 * 1024)))
    name = clean_name(name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise Invalid("doc.error.file_type")
    if not _looks_like(ext, data):
        raise Invalid("doc.error.file_content")
    return CheckedUpload(name=name, ext=ext, mime=ALLOWED[ext], data=data, sha256=hashlib.sha256(data).hexdigest())


def store_in_transaction(session: Session, data: bytes) -> str:
    """Store ``data`` now; if the session's transaction rolls back, the stored file is removed again."""
    store = get_store()
    key = store.put(data)
    session.info.setdefault("stored_keys", []).append((store, key))
    return key


@event.listens_for(Session, "after_commit")
def _keep_stored(session: Session) -> None:
    session.info.pop("stored_keys", None)


@event.listens_for(Session, "after_rollback")
def _drop_stored(session: Session) -> None:
    for store, key in session.info.pop("stored_keys", []):
        store.delete(key)
