"""Documents: drafts routed through review and signature (``workflow``), route templates as data
(``route_templates``), numbering registers (``registers``), the signer interface (``signing``)."""

from govhub.services.documents.route_templates import (
    Option,
    RouteDetail,
    RouteRow,
    StepRow,
    access_route,
    do_add_step,
    do_create_route,
    do_remove_step,
    do_update_route,
)
from govhub.services.documents.signing import Signer, SignRequest
from govhub.services.documents.workflow import (
    DocDetail,
    DocPage,
    DocRow,
    DraftSpec,
    FileRow,
    HistoryEntry,
    RouteOption,
    SignatureRow,
    StepView,
    access_document,
    access_file,
    do_add_file,
    do_approve,
    do_choose_route,
    do_create,
    do_make_directive,
    do_return,
    do_sign,
    do_submit,
)

__all__ = [
    "DocDetail", "DocPage", "DocRow", "DraftSpec", "FileRow", "HistoryEntry", "Option", "RouteDetail", "RouteOption",
    "RouteRow", "SignRequest", "SignatureRow", "Signer", "StepRow", "StepView", "access_document", "access_file",
    "access_route", "do_add_file", "do_add_step", "do_approve", "do_choose_route", "do_create", "do_create_route",
    "do_make_directive", "do_remove_step", "do_return", "do_sign", "do_submit", "do_update_route",
]
