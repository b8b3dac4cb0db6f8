"""Route constants and URL builders: every link GovHub makes comes from here. A builder takes an id, or in a page a
Var of one (then it returns a Var: ``"/tasks/" + id.to_string()``), so services, states and pages share one rule."""

from __future__ import annotations

from typing import Any

HOME = "/"
LOGIN = "/login"
DIRECTORY = "/directory"
DIRECTORY_UNIT = "/directory/unit/[unit_id]"
DIRECTORY_IMPORT = "/directory/import"
ASSIGN = "/assign"
FOLLOW_UP = "/follow-up"
TASK = "/tasks/[task_id]"
DIRECTIVE = "/directives/[directive_id]"
DOCUMENTS = "/documents"
DOCUMENT = "/documents/[doc_id]"
MESSAGES = "/messages"
CONVERSATION = "/messages/[conversation_id]"
TASK_GROUP = "/messages/task/[task_id]"
ADMIN_ROUTES = "/admin/routes"
OVERSIGHT = "/oversight"
OVERSIGHT_UNIT = "/oversight/unit/[unit_id]"
NOT_REGISTERED = "/login/not-registered"


def _join(prefix: str, value: object) -> Any:  # noqa: ANN401  (a str, or a Var in a page)
    """``prefix`` followed by ``value``: a plain id, or a page's Var (anything with ``to_string``)."""
    to_string = getattr(value, "to_string", None)
    return prefix + to_string() if callable(to_string) else f"{prefix}{value}"


def task_url(task_id: object) -> Any:  # noqa: ANN401
    """The page of a task."""
    return _join("/tasks/", task_id)


def directive_url(directive_id: object) -> Any:  # noqa: ANN401
    """A directive's units × status matrix."""
    return _join("/directives/", directive_id)


def document_url(doc_id: object) -> Any:  # noqa: ANN401
    """The page of a document."""
    return _join(f"{DOCUMENTS}/", doc_id)


def conversation_url(conversation_id: object) -> Any:  # noqa: ANN401
    """A conversation on the messages page."""
    return _join(f"{MESSAGES}/", conversation_id)


def task_group_url(task_id: object) -> Any:  # noqa: ANN401
    """The case group (conversation) of a task."""
    return _join(f"{MESSAGES}/task/", task_id)


def unit_url(unit_id: object) -> Any:  # noqa: ANN401
    """The page of one unit in the directory."""
    return _join("/directory/unit/", unit_id)


def oversight_unit_url(unit_id: object) -> Any:  # noqa: ANN401
    """The drill-down page of one unit on the dashboard (its query is added by the caller)."""
    return _join(f"{OVERSIGHT}/unit/", unit_id)


def file_url(file_id: object, *, inline: bool = False) -> Any:  # noqa: ANN401
    """A document's file for download (or, ``inline``, a PDF preview)."""
    url = _join("/files/", file_id)
    return url + "?inline=1" if inline else url


def attachment_url(attachment_id: object) -> Any:  # noqa: ANN401
    """A message attachment for download."""
    return _join("/files/attachments/", attachment_id)


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow a sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target[:500]
