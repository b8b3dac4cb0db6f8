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
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: str = "vi"
    session_hours: int = 12
    cookie_secure: bool = False
    login_max_failures: int = 5
    login_ip_max_failures: int = 30
    login_lockout_minutes: int = 15
    boundaries_file: str | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.env not in ("development", "test") and self.secret_key == DEV_SECRET:
            raise ValueError("GOVHUB_SECRET_KEY must be set to a random value outside development")
        if self.default_locale not in ("vi", "en"):
            raise ValueError("GOVHUB_DEFAULT_LOCALE must be 'vi' or 'en'")
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (read once from the environment)."""
    return Settings()
