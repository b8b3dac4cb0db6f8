"""The account-linking rule of single sign-on (plain Python over a database session, SQLite and PostgreSQL),
and the pending-login store (single use, expiry)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from govhub import clock
from govhub.auth import store
from govhub.models import AuditEvent, Official, OidcIdentity, OidcLogin, Position, Unit
from govhub.services.identity.accounts import do_create_official
from govhub.services.identity.sso import LinkPolicy, do_link_official

ISSUER = "https://sso.tphcm.gov.vn"
EMAIL = LinkPolicy()
STAFF = LinkPolicy(claim="staff_number", field="username")


def test_an_official_is_found_by_email_and_then_by_subject(session: Session, official) -> None:
    chairman = official("ct.saigon")
    chairman.email = "ct.saigon@tphcm.gov.vn"  # other tests may edit the shared demo data
    session.flush()
    result = do_link_official(session, ISSUER, {"sub": "s-1", "email": "CT.Saigon@TPHCM.gov.vn"}, EMAIL)
    assert result.official.id == chairman.id and result.linked_now
    link = session.exec(select(OidcIdentity).where(OidcIdentity.subject == "s-1")).one()
    assert link.official_id == chairman.id and link.issuer == ISSUER
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sso_linked")).first()
    # Later the provider's email may change: the linked subject still names the same official.
    again = do_link_official(session, ISSUER, {"sub": "s-1", "email": "renamed@example.org"}, EMAIL)
    assert again.official.id == chairman.id and not again.linked_now
    # The same subject at another issuer is another account.
    other = do_link_official(session, "https://other-idp.test", {"sub": "s-1"}, EMAIL)
    assert other.official is None and other.reason == "no_claim"


def test_staff_number_links_to_the_username(session: Session, official) -> None:
    result = do_link_official(session, ISSUER, {"sub": "s-2", "staff_number": "CV.Saigon"}, STAFF)
    assert result.official.id == official("cv.saigon").id
    assert do_link_official(session, ISSUER, {"sub": "s-3", "staff_number": 4711}, STAFF).reason == "not_registered"


def test_an_unknown_person_is_not_registered_and_nothing_is_created(session: Session) -> None:
    before = len(session.exec(select(Official.id)).all())
    result = do_link_official(session, ISSUER, {"sub": "s-4", "email": "nobody@tphcm.gov.vn"}, EMAIL)
    assert result.official is None and result.reason == "not_registered"
    assert len(session.exec(select(Official.id)).all()) == before
    assert session.exec(select(OidcIdentity).where(OidcIdentity.subject == "s-4")).first() is None


def test_refusals(session: Session, official) -> None:
    assert do_link_official(session, ISSUER, {"sub": "s-5", "email": "ct.saigon@tphcm.gov.vn", "email_verified": False},
                            EMAIL).reason == "unverified"
    assert do_link_official(session, ISSUER, {"email": "ct.saigon@tphcm.gov.vn"}, EMAIL).reason == "no_claim"
    assert do_link_official(session, ISSUER, {"sub": "s-6", "email": ["x"]}, EMAIL).reason == "no_claim"
    assert do_link_official(session, ISSUER, {"sub": "s-6", "email": "x" * 5000}, EMAIL).reason == "no_claim"

    inactive = official("cv.saigon")
    inactive.active, inactive.email = False, "cv.saigon@tphcm.gov.vn"
    session.flush()
    assert do_link_official(session, ISSUER, {"sub": "s-7", "email": inactive.email}, EMAIL).reason == "inactive"

    # Two officials sharing an address: the rule refuses to guess.
    chairman = official("ct.saigon")
    chairman.email = "ct.saigon@tphcm.gov.vn"
    session.flush()
    unit, position = session.get(Unit, chairman.unit_id), session.get(Position, chairman.position_id)
    do_create_official(session, username="twin", full_name="Twin", unit=unit, position=position, email=chairman.email)
    assert do_link_official(session, ISSUER, {"sub": "s-8", "email": chairman.email}, EMAIL).reason == "ambiguous"


def test_a_linked_account_of_a_deactivated_official_is_refused(session: Session, official) -> None:
    person = official("tp1.saigon")
    person.email = "tp1.saigon@tphcm.gov.vn"
    session.flush()
    assert do_link_official(session, ISSUER, {"sub": "s-9", "email": person.email}, EMAIL).official is not None
    person.active = False
    session.flush()
    assert do_link_official(session, ISSUER, {"sub": "s-9"}, EMAIL).reason == "inactive"


def test_automatic_provisioning_only_when_enabled_and_only_into_known_units(session: Session) -> None:
    on = LinkPolicy(auto_provision=True)
    claims = {"sub": "s-10", "email": "new.person@tphcm.gov.vn", "name": "Lê Thị Mới", "unit_code": "26740-P1",
              "position_code": "chuyen_vien"}
    assert do_link_official(session, ISSUER, claims, EMAIL).reason == "not_registered"
    for bad in ({"unit_code": "NO-SUCH-UNIT"}, {"position_code": "emperor"}, {"name": ""}, {"unit_code": None}):
        assert do_link_official(session, ISSUER, {**claims, **bad}, on).reason == "not_registered", bad
    result = do_link_official(session, ISSUER, claims, on)
    assert result.provisioned and result.official.full_name == "Lê Thị Mới"
    unit = session.get(Unit, result.official.unit_id)
    position = session.get(Position, result.official.position_id)
    assert (unit.code, position.code, result.official.roles) == ("26740-P1", "chuyen_vien", "staff")
    assert result.official.username == "new.person" and result.official.password_hash is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "account.provisioned_sso")).first()
    # A second provider account with the same local part gets its own username.
    other = do_link_official(session, ISSUER, {**claims, "sub": "s-11", "email": "new.person@other.gov.vn"}, on)
    assert other.official.username == "new.person.2"


def test_a_pending_login_is_single_use_and_expires(session: Session) -> None:
    store.save_pending(session, state="st-1", nonce="n", code_verifier="v" * 64, next_path="/directory")
    first = store.consume_pending(session, "st-1")
    assert first is not None and first.next_path == "/directory" and first.used_at is not None
    assert store.consume_pending(session, "st-1") is None
    assert store.consume_pending(session, "never-issued") is None
    assert store.consume_pending(session, "") is None and store.consume_pending(session, "x" * 500) is None

    store.save_pending(session, state="st-2", nonce="n", code_verifier="v", next_path="/", minutes=10)
    row = session.exec(select(OidcLogin).where(OidcLogin.state_hash == store.state_hash("st-2"))).one()
    row.expires_at = clock.now() - timedelta(seconds=1)
    session.flush()
    assert store.consume_pending(session, "st-2") is None
    # The state itself is never stored, only its hash.
    assert session.exec(select(OidcLogin).where(OidcLogin.state_hash == "st-2")).first() is None


def test_old_pending_logins_are_swept(session: Session) -> None:
    store.save_pending(session, state="old", nonce="n", code_verifier="v", next_path="/")
    row = session.exec(select(OidcLogin).where(OidcLogin.state_hash == store.state_hash("old"))).one()
    row.expires_at = clock.now() - timedelta(days=2)
    session.flush()
    store.save_pending(session, state="new", nonce="n", code_verifier="v", next_path="/")
    session.expire_all()
    assert session.exec(select(OidcLogin).where(OidcLogin.state_hash == store.state_hash("old"))).first() is None
    assert store.recent_starts(session, "", 10) >= 1
