"""The pages; importing this package registers them."""

from govhub.pages import directory, home, login  # noqa: F401
