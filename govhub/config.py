"""GovHub settings: one pydantic-settings class, environment prefix ``GOVHUB_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET = "govhub-development-secret-change-me"


class Settings(BaseSettings):
    """Everything an operator can set, with safe defaults for the embedded deployment."""

    model_config = SettingsConfigDict(env_prefix="GOVHUB_", env_file=".env", extra="ignore")

    env: str = "development"
    database_url: str = f"sqlite:///{PROJECT_DIR / 'govhub.db'}"
    secret_key: str = DEV_SECRET
    redis_url: str | None = None
    # Backend worker processes; more than one needs redis_url (state and push are shared through Redis).
    workers: int = 1
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: str = "vi"
    session_hours: int = 12
    cookie_secure: bool = False
    # Sign-in limits: after login_max_failures failures in a row an account waits 1 s, then twice as long after
    # each further failure, up to login_lockout_minutes; an address is locked for login_lockout_minutes after
    # login_ip_max_failures failures (services/auth.py).
    login_max_failures: int = 5
    login_ip_max_failures: int = 30
    login_lockout_minutes: int = 15
    # The oversight map's GeoJSON (feature id = unit code); unset: the city's wards shipped in govhub/data; empty: no
    # map (services/oversight/geo.py).
    boundaries_file: str | None = None
    # The deployed release (a version or commit): open tabs of another release offer to reload (govhub/release.py).
    release: str = ""
    # Document files (GOVHUB_FILES_DIR): stored under generated names, served only through access checks.
    files_dir: str = str(PROJECT_DIR / "files")
    files_max_bytes: int = 20 * 1024 * 1024

    # Where the app is reached from browsers (behind the HTTPS proxy), e.g. https://govhub.tphcm.gov.vn.
    # Used to build the OpenID Connect redirect and sign-out addresses; taken from the request when unset.
    public_url: str | None = None
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto count, comma
    # separated. Only used when REFLEX_TRUSTED_PROXY_HOPS is 1 or more; with 0 hops no forwarded header is trusted.
    trusted_proxy_ips: str = "127.0.0.1,::1"
    # Local (username and password) accounts; an administrator may turn them off once single sign-on works.
    local_login_enabled: bool = True

    # Single sign-on with OpenID Connect (on when issuer and client id are set).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid email profile"
    # The claim that names the official, and the directory field it is matched against.
    oidc_link_claim: str = "email"
    oidc_link_field: str = "email"  # "email" or "username" (staff numbers are kept as usernames)
    # New officials from the provider's claims (off: the directory stays the source of truth).
    oidc_auto_provision: bool = False
    oidc_unit_claim: str = "unit_code"
    oidc_position_claim: str = "position_code"
    # Sign-out also ends the provider's session when it offers an end-session endpoint.
    oidc_end_provider_session: bool = True
    oidc_login_minutes: int = 10
    oidc_clock_leeway_seconds: int = 60
    oidc_http_timeout_seconds: float = 10.0

    # E-mail (reminders, digests): sent through SMTP by a job draining the outbox; off while smtp_host is unset.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_tls: str = "none"  # "none", "starttls" or "ssl"
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_sender: str = "GovHub <khong-tra-loi@tphcm.gov.vn>"
    mail_max_attempts: int = 6
    # Reminders: days before a deadline (comma-separated), the unit heads' morning digest (city time).
    reminder_days: str = "3,1"
    digest_time: str = "07:30"
    # The scheduler (reminders, digests, e-mail) starts with the app; one worker leads at a time.
    scheduler_enabled: bool = True
    # Message attachments: a local folder, a size limit per file.
    upload_dir: str = str(PROJECT_DIR / "uploads")
    attachment_max_mb: int = 10
    # Attachments chosen but never sent are deleted after this many hours (a scheduler job).
    pending_upload_hours: int = 24
    # One websocket connection (one tab): events per second sustained, a burst, and events queued at once;
    # a connection over either is closed and its queue dropped.
    socket_events_per_second: float = 20.0
    socket_event_burst: int = 100
    socket_max_pending: int = 50

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env not in ("development", "test") and self.secret_key == DEV_SECRET:
            raise ValueError("GOVHUB_SECRET_KEY must be set to a random value outside development")
        if self.default_locale not in ("vi", "en"):
            raise ValueError("GOVHUB_DEFAULT_LOCALE must be 'vi' or 'en'")
        if self.oidc_link_field not in ("email", "username"):
            raise ValueError("GOVHUB_OIDC_LINK_FIELD must be 'email' or 'username'")
        if not self.local_login_enabled and not self.oidc_enabled:
            raise ValueError("GOVHUB_LOCAL_LOGIN_ENABLED=false needs single sign-on (GOVHUB_OIDC_ISSUER, "
                             "GOVHUB_OIDC_CLIENT_ID), or nobody could sign in")
        if self.oidc_enabled and self.env == "production" and not self.oidc_issuer.startswith("https://"):
            raise ValueError("GOVHUB_OIDC_ISSUER must be an https:// address in production")
        if self.workers < 1 or (self.workers > 1 and not self.redis_url):
            raise ValueError("GOVHUB_WORKERS must be 1, or more with GOVHUB_REDIS_URL (workers share state and "
                             "push through Redis)")
        return self

    @property
    def oidc_enabled(self) -> bool:
        """Whether single sign-on with OpenID Connect is configured."""
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def is_production(self) -> bool:
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (read once from the environment)."""
    return Settings()
