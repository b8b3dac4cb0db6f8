"""Oversight in the browser, at phone and desktop size: the chairman opens the board (ward chart, map), drills down
from a ward to its overdue tasks and a task, and exports an Excel report whose totals match the screen; a ward
chairman sees only Phường Sài Gòn."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in, wait_hydrated

pytestmark = pytest.mark.e2e


def _number(page, key: str) -> float:  # noqa: ANN001
    return float(page.locator(f"#headline-{key} h1, #headline-{key} .rt-Heading").first.inner_text().rstrip("%"))


def test_chairman_board_drill_down_and_export(browsers) -> None:  # noqa: ANN001
    page = browsers.new_page()
    sign_in(page, "chutich", then="/oversight")
    page.goto("/oversight")
    wait_hydrated(page)
    page.wait_for_selector("#ward-chart .main-svg")
    page.wait_for_selector("#map-chart .main-svg")
    page.wait_for_selector("#department-chart .main-svg")
    expect(page.locator("#ward-table tbody tr")).to_have_count(168)
    # The chart fits the screen.
    width = page.viewport_size["width"]
    assert page.locator("#ward-chart").bounding_box()["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, "oversight")
    # The map, with no setting: every ward, commune and the special zone drawn from the shipped boundaries, inside
    # the screen.
    page.locator("#map-card").scroll_into_view_if_needed()
    expect(page.locator("#map-chart path.js-fill")).to_have_count(168)
    box = page.locator("#map-chart .main-svg").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 300
    shot(page, "oversight-map")

    assigned, overdue, rate = _number(page, "assigned"), _number(page, "overdue"), _number(page, "rate")
    assert assigned > 0 and overdue > 0
    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    total = next(r for r in ws.iter_rows(min_row=5, values_only=True) if r[1] == "Tổng cộng")
    assert (total[2], total[6], total[7]) == (assigned, overdue, rate)

    # Drill down: the worst ward (first row) → its overdue tasks → a task.
    first = page.locator("#ward-table tbody tr").first
    name = first.locator(".unit-link").inner_text()
    first.locator(".unit-link").click()
    page.wait_for_url("**/oversight/unit/**")
    expect(page.locator("#drill-unit")).to_have_text(name, timeout=20_000)
    expect(page.locator("#drill-overdue")).to_have_attribute("data-accent-color", "red")
    rows = page.locator("#drill-table tbody tr")
    expect(rows.first).to_be_visible()
    shot(page, "oversight-drill")
    rows.first.locator("a.followup-task").click()
    page.wait_for_url("**/tasks/**")
    page.wait_for_selector("text=Đang thực hiện quá hạn")


def test_ward_chairman_sees_only_the_ward(browsers) -> None:  # noqa: ANN001
    page = browsers.new_page()
    sign_in(page, "ct.saigon", then="/oversight")
    page.goto("/oversight")
    wait_hydrated(page)
    page.wait_for_selector("#ward-table")
    expect(page.locator("#ward-table tbody tr")).to_have_count(1)
    expect(page.locator("#ward-table tbody tr .unit-link")).to_have_text("Phường Sài Gòn")
    expect(page.locator("#departments-card")).to_have_count(0)
    shot(page, "oversight-ward")
    # A specialist has no board.
    other = browsers.new_page()
    sign_in(other, "cv.saigon", then="/oversight")
    other.goto("/oversight")
    wait_hydrated(other)
    expect(other.locator("#not-available")).to_be_visible()
