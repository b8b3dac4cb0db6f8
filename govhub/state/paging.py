"""Paged lists: the page number kept in range, and a state mixin for lists that reload a page at a time
(the work inbox, follow-up, the document lists)."""

from __future__ import annotations

import reflex as rx

from govhub.state.base import AppState, guarded


def clamp_page(page: int, pages: int) -> int:
    """The page asked for (client input: ``int()`` refuses what is not a number), kept between the first and
    the last (1 when there are none)."""
    return max(1, min(int(page), max(pages, 1)))


class PagedState(AppState, mixin=True):
    """A list shown a page at a time. A state using it says how to fetch the current page (``_reload``);
    changing a filter or the search goes back to the first page (``_first_page``). Its handlers are copied
    into each state using it, under that state's name (``InboxState.go_to_page``...)."""

    total: int = 0
    page: int = 1
    pages: int = 0

    async def _reload(self) -> None:
        """Fetch the current page (with the state's filters) and show it."""
        raise NotImplementedError

    async def _first_page(self) -> None:
        self.page = 1
        await self._reload()

    @rx.event
    @guarded
    async def load(self):
        """Load the first page."""
        await self._first_page()

    @rx.event
    @guarded
    async def go_to_page(self, page: int):
        """Another page."""
        self.page = clamp_page(page, self.pages)
        await self._reload()


class SearchablePagedState(PagedState, mixin=True):
    """A paged list with a search box (what the words are looked for in is the list's own business)."""

    query: str = ""

    @rx.event
    @guarded
    async def search(self, text: str):
        """Search the list, from its first page."""
        self.query = str(text)[:200]
        await self._first_page()
