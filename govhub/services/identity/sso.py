"""Which official a provider account is: the account-linking rule of single sign-on.

The directory is the source of truth. A provider account (issuer + subject) that was linked before signs in as
that official; otherwise the configured claim (email, or a staff number kept as the username) must name exactly
one official. Anyone else is "not registered" — unless an administrator turned on automatic provisioning, in
which case the provider's claims must name a known unit and position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from govhub import clock
from govhub.config import Settings
from govhub.models import Official, OidcIdentity, Position, Unit
from govhub.services.core import audit
from govhub.services.core.errors import Invalid
from govhub.services.identity.accounts import do_create_official

REASONS = ("not_registered", "inactive", "ambiguous", "unverified", "no_claim")
_USERNAME_SAFE = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class LinkPolicy:
    """How provider accounts map to officials (from settings; tests build their own)."""

    claim: str = "email"
    field: str = "email"  # the Official column the claim is matched against: "email" or "username"
    auto_provision: bool = False
    unit_claim: str = "unit_code"
    position_claim: str = "position_code"

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkPolicy:
        return cls(claim=settings.oidc_link_claim, field=settings.oidc_link_field,
                   auto_provision=settings.oidc_auto_provision, unit_claim=settings.oidc_unit_claim,
                   position_claim=settings.oidc_position_claim)


@dataclass(frozen=True)
class LinkResult:
    """The official to sign in, or why there is none (one of REASONS)."""

    official: Official | None = None
    reason: str = ""
    linked_now: bool = False
    provisioned: bool = False


def _text_claim(claims: dict[str, Any], name: str, limit: int = 200) -> str:
    value = claims.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if 0 < len(value) <= limit else ""


def do_link_official(session: Session, issuer: str, claims: dict[str, Any], policy: LinkPolicy) -> LinkResult:
    """Find (or, when allowed, create) the official behind validated ID-token claims."""
    subject = _text_claim(claims, "sub", 255)
    if not subject:
        return LinkResult(reason="no_claim")
    identity = session.exec(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    ).first()
    if identity is not None:
        official = session.get(Official, identity.official_id)
        if official is None or not official.active:
            return LinkResult(reason="inactive")
        identity.last_login_at = clock.now()
        return LinkResult(official=official)

    value = _text_claim(claims, policy.claim).lower()
    if policy.claim == "email" and claims.get("email_verified") is False:
        return LinkResult(reason="unverified")
    if value:
        column = Official.email if policy.field == "email" else Official.username
        found = session.exec(select(Official).where(func.lower(column) == value).limit(2)).all()
        if len(found) > 1:
            return LinkResult(reason="ambiguous")
        if found:
            official = found[0]
            if not official.active:
                return LinkResult(reason="inactive")
            _link(session, issuer, subject, official)
            audit.record(session, "auth.sso_linked", actor_id=official.id, object_type="official",
                         object_id=official.id, detail={"issuer": issuer, "claim": policy.claim})
            return LinkResult(official=official, linked_now=True)
    if not policy.auto_provision:
        return LinkResult(reason="not_registered" if value else "no_claim")
    return _provision(session, issuer, subject, claims, policy, value)


def _link(session: Session, issuer: str, subject: str, official: Official) -> None:
    session.add(OidcIdentity(issuer=issuer[:300], subject=subject, official_id=official.id))
    session.flush()


def _username_for(session: Session, claims: dict[str, Any], policy: LinkPolicy, value: str) -> str:
    if policy.field == "username" and value:
        base = value
    else:
        base = _text_claim(claims, "preferred_username") or _text_claim(claims, "email").split("@")[0]
    base = _USERNAME_SAFE.sub(".", base.lower()).strip(".")[:56] or "sso"
    candidate, n = base, 1
    while session.exec(select(Official.id).where(Official.username == candidate)).first() is not None:
        n += 1
        candidate = f"{base}.{n}"
    return candidate


def _provision(session: Session, issuer: str, subject: str, claims: dict[str, Any], policy: LinkPolicy,
               value: str) -> LinkResult:
    """A new official from the provider's claims: name, a known active unit and a known position are required."""
    name = _text_claim(claims, "name", 120) or " ".join(
        p for p in (_text_claim(claims, "family_name", 60), _text_claim(claims, "given_name", 60)) if p)
    unit_code = _text_claim(claims, policy.unit_claim, 32)
    position_code = _text_claim(claims, policy.position_claim, 32)
    unit = (session.exec(select(Unit).where(Unit.code == unit_code, Unit.active.is_(True))).first()
            if unit_code else None)
    position = session.exec(select(Position).where(Position.code == position_code)).first() if position_code else None
    if not name or unit is None or position is None:
        return LinkResult(reason="not_registered")
    email = _text_claim(claims, "email").lower() if claims.get("email_verified") is not False else ""
    try:
        official = do_create_official(session, username=_username_for(session, claims, policy, value), full_name=name,
                                      unit=unit, position=position, roles="staff", email=email[:200])
    except Invalid:
        return LinkResult(reason="not_registered")
    _link(session, issuer, subject, official)
    audit.record(session, "account.provisioned_sso", actor_id=None, object_type="official", object_id=official.id,
                 detail={"issuer": issuer, "unit": unit.code, "position": position.code})
    return LinkResult(official=official, linked_now=True, provisioned=True)
