"""Settings of the mock portal: one frozen class, environment prefix ``LIENTHONG_PORTAL_``.

``faults`` takes the initial fault profile as JSON (``LIENTHONG_PORTAL_FAULTS='{"throttle": ...}'``);
``faults_file`` names a JSON file with one and wins over ``faults`` when both are set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.national_portal.faults import FaultProfile

__all__ = ["PortalSettings"]

PositiveSeconds = Annotated[float, Field(gt=0)]


class PortalSettings(BaseSettings):
    """Everything the mock national portal is configured with."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_PORTAL_", frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8780
    public_url: str | None = Field(
        default=None, description="base of payment redirect URLs; http://host:port"
    )
    database: Path = Path(".state/portal/portal.sqlite3")

    client_id: str = "lienthong"
    client_secret: SecretStr = SecretStr("lienthong-portal-secret")
    token_ttl_seconds: PositiveSeconds = 3600.0

    payment_partner_code: str = "LIENTHONG"
    payment_secret: SecretStr = SecretStr("lienthong-paygov-secret")
    payment_callback_url: str | None = None
    pending_resolution_seconds: Annotated[float, Field(ge=0)] = 30.0
    callback_max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    callback_retry_base_seconds: PositiveSeconds = 0.5
    callback_timeout_seconds: PositiveSeconds = 5.0

    faults: FaultProfile = Field(default_factory=FaultProfile)
    faults_file: Path | None = None
    seed: int = 20250701

    def initial_faults(self) -> FaultProfile:
        """The profile the portal starts with (and returns to on ``POST /admin/reset``)."""
        if self.faults_file is not None:
            return FaultProfile.model_validate_json(self.faults_file.read_text(encoding="utf-8"))
        return self.faults

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def masked(self) -> dict[str, Any]:
        """The settings for a log line; secrets stay masked."""
        return self.model_dump(mode="json")
