"""bench/page_load.py imports, parses its arguments and reports its figures (the benchmark itself is run by hand:
it starts a server and a browser)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import page_load  # noqa: E402


def test_arguments() -> None:
    args = page_load.parse_args([])
    assert (args.url, args.user, args.runs, args.restarts) == (None, "ct.saigon", 10, 1)
    assert args.pages == list(page_load.PAGES)
    args = page_load.parse_args(["--url", "http://127.0.0.1:3000", "--runs", "3", "--pages", "inbox", "task"])
    assert (args.url, args.runs, args.pages) == ("http://127.0.0.1:3000", 3, ["inbox", "task"])
    for wrong in (["--runs", "0"], ["--pages", "nowhere"], ["--url", "http://x", "--restarts", "2"]):
        with pytest.raises(SystemExit):
            page_load.parse_args(wrong)


def test_report() -> None:
    r = page_load.Result(cold=[page_load.Sample(1.5, 2048)], warm=[page_load.Sample(0.5, 1024)] * 3)
    text = page_load.report({"inbox": r}, [1.5])
    assert "inbox" in text and "1500" in text and "500" in text and "first signed-in page after a start: 1.50 s" in text
