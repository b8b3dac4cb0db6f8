"""The pages; importing this package registers them."""

from govhub.pages import (  # noqa: F401
    assign,
    directory,
    directory_import,
    documents,
    follow_up,
    home,
    login,
    messages,
    oversight,
    task,
)
