"""What an uploaded file must be, whole, before GovHub stores or offers it: a name without hidden characters, and
a container of the type its name says, read to the end (not only its first bytes), with no decompression bomb."""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
import zlib

# Zip containers (DOCX, XLSX, PPTX, ODT, ODS, ZIP): every member is decompressed to check it, within these bounds.
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_TOTAL = 100 * 1024 * 1024  # bytes once decompressed, all members together
ZIP_MAX_RATIO = 100  # decompressed : compressed, for the whole archive (ordinary office files stay under ~20)
ZIP_RATIO_FLOOR = 2 * 1024 * 1024  # archives that unpack to less than this are not held to the ratio

OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
ODF_MIMETYPE = {"odt": b"application/vnd.oasis.opendocument.text",
                "ods": b"application/vnd.oasis.opendocument.spreadsheet"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def hidden_characters(name: str) -> bool:
    """Whether a file name holds characters that change how it reads without showing: bidirectional overrides
    and isolates (U+202A-202E, U+2066-2069: "invoice\u202efdp.exe" shows as "invoiceexe.pdf"), marks, zero-width
    characters and any other control, format or unassigned code point."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp") for ch in name)


def _pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def _png(data: bytes) -> bool:
    """Signature, then chunks (length, type, data, CRC) to the IEND chunk at the very end, every CRC right."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    at, first = 8, True
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        end = at + 12 + length
        if end > len(data) or (first and kind != b"IHDR"):
            return False
        (crc,) = struct.unpack(">I", data[end - 4:end])
        if zlib.crc32(data[at + 4:end - 4]) != crc:
            return False
        if kind == b"IEND":
            return end == len(data)
        at, first = end, False
    return False


def _jpeg(data: bytes) -> bool:
    """Start and end of image markers (trailing padding some cameras add is allowed)."""
    return data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\0\r\n ").endswith(b"\xff\xd9")


def _ole2(data: bytes) -> bool:
    """A Compound File (DOC, XLS, PPT): signature, byte order mark, a 512 or 4096 byte sector size, and whole
    sectors."""
    if len(data) < 1024 or not data.startswith(OLE2) or data[28:30] != b"\xfe\xff":
        return False
    (shift,) = struct.unpack("<H", data[30:32])
    return shift in (9, 12) and len(data) % (1 << shift) == 0


def _zip_members_ok(z: zipfile.ZipFile, compressed: int) -> bool:
    """Every member decompresses (CRC checked) within the bounds; sizes are counted as read, not as declared."""
    infos = z.infolist()
    if len(infos) > ZIP_MAX_MEMBERS or any(i.flag_bits & 0x1 for i in infos):  # encrypted members: refused
        return False
    total = 0
    for info in infos:
        with z.open(info) as member:
            while chunk := member.read(1024 * 1024):
                total += len(chunk)
                if total > ZIP_MAX_TOTAL or (total > ZIP_RATIO_FLOOR and total > ZIP_MAX_RATIO * compressed):
                    return False
    return True


def _zip(ext: str, data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if not _zip_members_ok(z, len(data)):
                return False
            if ext in OOXML_MAIN:
                return OOXML_MAIN[ext] in z.read("[Content_Types].xml").decode("utf-8", "replace")
            if ext in ODF_MIMETYPE:
                return z.read("mimetype").strip() == ODF_MIMETYPE[ext]
            return True
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError, ValueError,
            NotImplementedError, EOFError, zlib.error):
        return False


def _text(data: bytes) -> bool:
    """Plain text: UTF-8 without NUL characters."""
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def content_matches(ext: str, data: bytes) -> bool:
    """Whether ``data`` is, as a whole, a file of the type extension ``ext`` names (False for unknown types)."""
    if ext == "pdf":
        return _pdf(data)
    if ext == "png":
        return _png(data)
    if ext in ("jpg", "jpeg"):
        return _jpeg(data)
    if ext in ("doc", "xls", "ppt"):
        return _ole2(data)
    if ext in ("docx", "xlsx", "pptx", "odt", "ods", "zip"):
        return _zip(ext, data)
    if ext == "txt":
        return _text(data)
    return False
