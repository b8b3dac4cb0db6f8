"""Object ids in HTTP paths: only what a database id can be (1 to 2**31 - 1, ASCII digits); anything else is
"not found" before the database is asked (a 30-digit id overflowed the driver: a 500)."""

from __future__ import annotations

from starlette.requests import Request

MAX_ID = 2**31 - 1


def path_id(request: Request, name: str) -> int | None:
    """The id in path parameter ``name``, or None when it cannot name a row."""
    text = str(request.path_params.get(name, ""))
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
