"""Toasts the server asks for. A handler sets ``AppState.notice`` (``self._toast(...)``); this component's effect,
compiled into the page, shows it with Sonner. (Reflex's own ``rx.toast`` returned from a handler reaches the
browser as a script to eval, which the page's Content-Security-Policy refuses, so the toast never showed.)"""

from __future__ import annotations

import reflex as rx
from reflex.vars import VarData

from govhub.state.base import AppState

SEEN_KEY = "govhub_notice_seen"  # per tab, like the state itself: a reload or a new page shows a notice once


class NoticeToaster(rx.Fragment):
    """Renders nothing; shows each new notice once as a toast at the top of the page."""

    def add_hooks(self) -> list[rx.Var | str]:
        notice = AppState.notice
        code = f"""useEffect(() => {{
    const notice = {notice!s};
    if (!notice || !notice.id || sessionStorage.getItem("{SEEN_KEY}") === notice.id) return;
    sessionStorage.setItem("{SEEN_KEY}", notice.id);
    const show = notice.level === "error" ? toast.error : toast.success;
    show(notice.text, {{position: "top-center", closeButton: true}});
}}, [{notice!s}?.id])"""
        imports = VarData(imports={"react": [rx.ImportVar(tag="useEffect")],
                                   "sonner": [rx.ImportVar(tag="toast", install=False)]})
        return [rx.Var(_js_expr=code, _var_data=VarData.merge(notice._get_all_var_data(), imports))]


def notice_toaster() -> rx.Component:
    return NoticeToaster.create()
