"""The pages; importing this package registers them."""

from govhub.pages import directory, directory_import, home, login  # noqa: F401
