"""The pages; importing this package registers them."""

from govhub.pages import assign, directory, directory_import, documents, follow_up, home, login, oversight, task  # noqa: F401
