"""Who is asking: passwords, lock-out and server-side sessions (``auth``), accounts (``accounts``), single sign-on
account linking (``sso``), the signed-in official's own card (``me``)."""

from govhub.services.identity.accounts import do_create_official
from govhub.services.identity.auth import (
    SignInResult,
    do_record_refusal,
    do_set_password,
    do_sign_in,
    do_sign_out,
    do_start_session,
)
from govhub.services.identity.me import MeCard, do_set_locale
from govhub.services.identity.sso import LinkPolicy, LinkResult, do_link_official

__all__ = [
    "LinkPolicy", "LinkResult", "MeCard", "SignInResult", "do_create_official", "do_link_official", "do_record_refusal",
    "do_set_locale", "do_set_password", "do_sign_in", "do_sign_out", "do_start_session",
]
