"""Vietnamese text folding for search with or without diacritics."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w@.+-]+")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics (``Nguyễn Đức`` → ``nguyen duc``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def search_words(query: str, limit: int = 6) -> list[str]:
    """The folded words of a search query, without LIKE wildcards, at most ``limit``."""
    words = [w for w in _NOT_WORD.sub(" ", fold(query).replace("_", " ")).split() if any(c.isalnum() for c in w)]
    return words[:limit]


def like_escape(word: str) -> str:
    """Escape LIKE wildcards (the query words never contain them, but be safe)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
