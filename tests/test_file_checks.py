"""Uploads are checked whole (services/file_checks): a zip bomb dressed as a DOCX, a file whose first bytes are
right and the rest is not, and names with hidden characters are refused, for message attachments and documents
alike; ordinary files of every allowed type pass."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from govhub.services.core import storage
from govhub.services.core.errors import Invalid
from govhub.services.core.file_checks import content_matches, hidden_characters
from govhub.services.messaging import conversations as messages
from govhub.services.messaging.conversations import Upload

DOCX_TYPES = ('<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="application/'
              'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')


def docx(extra: dict[str, bytes] | None = None, types: str = DOCX_TYPES) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("word/document.xml", "<w:document>Báo cáo</w:document>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20 + b"\xfe\xff" + struct.pack("<H", 9) + b"\0" * (1536 - 32)


def bomb() -> bytes:
    """A DOCX whose one extra member unpacks from ~50 KB to 50 MB of zeros."""
    return docx({"word/media/fill.bin": b"\0" * (50 * 1024 * 1024)})


def test_ordinary_files_of_every_allowed_type_pass() -> None:
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bien-ban.txt", "Biên bản họp " * 1000)
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document/>")
    for ext, data in (("pdf", PDF), ("png", png()), ("jpg", JPEG), ("docx", docx()), ("zip", plain_zip.getvalue()),
                      ("odt", odt.getvalue()), ("doc", OLE), ("txt", "Kính gửi anh.\n".encode())):
        assert content_matches(ext, data), ext
        assert messages.check_upload(Upload(f"tep.{ext}", data)).ext == ext


def test_a_zip_bomb_docx_is_refused_for_attachments_and_documents() -> None:
    data = bomb()
    assert len(data) < 200_000
    assert not content_matches("docx", data)
    with pytest.raises(Invalid) as refused:
        messages.check_upload(Upload("bao-cao.docx", data))
    assert refused.value.key == "messages.error.file_content"
    with pytest.raises(Invalid) as refused:
        storage.check_upload("bao-cao.docx", data)
    assert refused.value.key == "doc.error.file_content"


@pytest.mark.parametrize(("ext", "data"), [
    ("pdf", b"%PDF-1.4\n<script>alert(1)</script>"),  # right first bytes, no PDF after them
    ("png", b"\x89PNG\r\n\x1a\n" + b"0" * 40),
    ("png", png()[:-6]),  # cut short
    ("png", png()[:20] + b"X" + png()[21:]),  # a chunk whose CRC no longer matches
    ("jpg", b"\xff\xd8\xff\xe0" + b"<html>" * 20),
    ("doc", b"\xd0\xcf\x11\xe0" + b"MZ" * 300),
    ("docx", b"PK\x03\x04" + b"MZ" * 300),
    ("docx", docx(types="<Types/>")),  # a zip, but not a Word document
    ("xlsx", docx()),  # a Word document named as a spreadsheet
    ("odt", docx()),
    ("txt", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("txt", "Tiếng Việt".encode("utf-16")),
])
def test_a_file_right_only_in_its_first_bytes_is_refused(ext: str, data: bytes) -> None:
    assert not content_matches(ext, data)
    with pytest.raises(Invalid):
        messages.check_upload(Upload(f"tep.{ext}", data))


def test_an_encrypted_or_overfull_zip_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from govhub.services.core import file_checks

    monkeypatch.setattr(file_checks, "ZIP_MAX_MEMBERS", 3)
    assert not content_matches("docx", docx({"a": b"1", "b": b"2"}))
    assert content_matches("docx", docx({"a": b"1"}))


@pytest.mark.parametrize("name", [
    "hoa-don\u202efdp.exe", "bao\u202dcao.pdf", "bao\u2066cao\u2069.pdf", "bao\u200bcao.pdf", "bao\u200fcao.pdf",
    "bao\u061ccao.pdf", "bao\ufeffcao.pdf", "bao\x07cao.pdf",
])
def test_names_with_hidden_characters_are_refused(name: str) -> None:
    assert hidden_characters(name)
    with pytest.raises(Invalid) as refused:
        messages.check_upload(Upload(name, PDF))
    assert refused.value.key == "messages.error.file_name"
    with pytest.raises(Invalid) as refused:
        storage.check_upload(name, PDF)
    assert refused.value.key == "doc.error.file_name"


def test_vietnamese_names_are_fine() -> None:
    for name in ("Báo cáo tháng 11.pdf", "Quyết định số 12-QĐ.pdf", "Kế hoạch (bản 2).pdf"):
        assert not hidden_characters(name)
        assert messages.check_upload(Upload(name, PDF)).ext == "pdf"
