"""The headers of every file GovHub hands out (documents' files and message attachments): how the browser shows
it, under which name, never cached by a shared cache, never sniffed into another type."""

from __future__ import annotations

from urllib.parse import quote


def disposition(name: str, *, inline: bool = False) -> str:
    """``Content-Disposition`` for ``name``: a plain-ASCII fallback and the exact UTF-8 name (RFC 6266)."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def file_headers(name: str, *, inline: bool = False) -> dict[str, str]:
    """The headers of a download of ``name`` (a preview when ``inline``)."""
    return {"content-disposition": disposition(name, inline=inline), "cache-control": "private, no-store",
            "x-content-type-options": "nosniff"}
