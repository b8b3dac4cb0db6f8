"""Folding Vietnamese text for search, and turning a query into LIKE-safe words."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govhub.services.core.text import fold, like_escape, search_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Đức Đạt", "nguyen duc dat"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("đ Đ", "d d"),
        ("Phường Sài Gòn", "phuong sai gon"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("Hồ Chí Minh", "ho chi minh"),
        ("Thủy Quỳnh Yến", "thuy quynh yen"),
        ("plain ascii", "plain ascii"),
        ("", ""),
    ],
)
def test_fold_strips_vietnamese_diacritics(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_accepts_decomposed_input() -> None:
    """Text typed on a keyboard that sends combining marks folds like the precomposed form."""
    decomposed = unicodedata.normalize("NFD", "Nguyễn Đức Đạt")
    assert decomposed != "Nguyễn Đức Đạt"
    assert fold(decomposed) == "nguyen duc dat"


def test_fold_drops_stray_combining_marks() -> None:
    assert fold("a\u0301\u0323b\u0309") == "ab"


def test_fold_collapses_whitespace() -> None:
    assert fold("  Lê \t Văn\n\nAn\u00a0 ") == "le van an"


def test_fold_keeps_non_vietnamese_symbols() -> None:
    assert fold("ct.saigon@tphcm.gov.vn") == "ct.saigon@tphcm.gov.vn"
    assert fold("028 3829 6052") == "028 3829 6052"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_is_idempotent_and_leaves_no_marks(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert not any(unicodedata.combining(ch) for ch in once)
    assert "đ" not in once and "Đ" not in once
    assert once == once.strip()
    assert "  " not in once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="aăâbdđeêioôơuưyAĂÂĐEÊOÔƠUƯ \u0300\u0301\u0303\u0309\u0323", max_size=30))
def test_fold_on_vietnamese_letters_gives_plain_ascii(text: str) -> None:
    assert fold(text).isascii()


def test_search_words_folds_and_splits() -> None:
    assert search_words("  Nguyễn   Văn ") == ["nguyen", "van"]


@pytest.mark.parametrize("query", ["", "   ", "%%%", "___", "%_%", "\t\n", "!!! ???", "\\"])
def test_search_words_of_nothing_searchable_is_empty(query: str) -> None:
    assert search_words(query) == []


def test_search_words_strips_like_wildcards() -> None:
    assert search_words("nguy%n") == ["nguy", "n"]
    assert search_words("le_van") == ["le", "van"]
    assert search_words("50%") == ["50"]
    for word in search_words("%a_b% c%%d _e_"):
        assert "%" not in word and "_" not in word


def test_search_words_keeps_email_and_phone_characters() -> None:
    assert search_words("ct.saigon@tphcm.gov.vn") == ["ct.saigon@tphcm.gov.vn"]
    assert search_words("+84-90") == ["+84-90"]


def test_search_words_limits_the_number_of_words() -> None:
    query = "a b c d e f g h"
    assert search_words(query) == ["a", "b", "c", "d", "e", "f"]
    assert search_words(query, limit=3) == ["a", "b", "c"]
    assert search_words("a b", limit=6) == ["a", "b"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_search_words_never_hold_wildcards(query: str) -> None:
    words = search_words(query)
    assert len(words) <= 6
    assert all(w and "%" not in w and "_" not in w and " " not in w for w in words)


def test_like_escape_escapes_wildcards_and_backslash() -> None:
    assert like_escape("a%b_c\\d") == "a\\%b\\_c\\\\d"
    assert like_escape("plain") == "plain"
