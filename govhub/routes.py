"""Route constants and URL builders."""

HOME = "/"
LOGIN = "/login"
DIRECTORY = "/directory"
DIRECTORY_UNIT = "/directory/unit/[unit_id]"
DIRECTORY_IMPORT = "/directory/import"
ASSIGN = "/assign"
FOLLOW_UP = "/follow-up"
TASK = "/tasks/[task_id]"
DIRECTIVE = "/directives/[directive_id]"
OVERSIGHT = "/oversight"
OVERSIGHT_UNIT = "/oversight/unit/[unit_id]"
NOT_REGISTERED = "/login/not-registered"


def task_url(task_id: object) -> str:
    """The page of a task (an id, or a Var of one in a page)."""
    return f"/tasks/{task_id}"


def directive_url(directive_id: object) -> str:
    """A directive's units × status matrix."""
    return f"/directives/{directive_id}"


def document_url(doc_id: object) -> str:
    """The page of a document."""
    return f"/documents/{doc_id}"


def conversation_url(conversation_id: object) -> str:
    """A conversation on the messages page."""
    return f"/messages/{conversation_id}"


def unit_url(unit_id: int | str) -> str:
    """The page of one unit in the directory."""
    return f"/directory/unit/{unit_id}"


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow a sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target[:500]
