"""What the settings API returns: values, where each comes from, secrets by status only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from cryptodesk.config import VaultBackend
from cryptodesk.settings.editable import EditableSettings, SettingSource
from cryptodesk.vault.names import SecretName

CheckTarget = Literal["llm", "exchange", "market"]


class SecretStatus(BaseModel):
    """Whether a secret is set; never its value (at most its last four characters)."""

    name: SecretName
    label: str
    is_set: bool
    last4: str | None = Field(
        None, description="The last four characters, for secrets of 12 characters or more."
    )
    updated_at: datetime | None = None
    source: Literal["vault", "env"] | None = None
    used: bool = Field(True, description="False for an LLM key the chosen provider ignores.")
    error: str | None = Field(
        None, description="Why a stored value cannot be read (damaged: set it again)."
    )


class VaultStatus(BaseModel):
    backend: VaultBackend
    writable: bool
    location: str
    error: str | None = Field(None, description="Why the secrets cannot be read, if they cannot.")


class SettingsOut(BaseModel):
    values: EditableSettings
    sources: dict[str, SettingSource] = Field(
        description=(
            "Where each value comes from: `store` (saved here, through this API), `env` (the "
            "environment, `.env` or the server's start-up options) or `default`."
        )
    )
    secrets: list[SecretStatus]
    vault: VaultStatus
    engine: str = Field(description="The engine that answers the next question.")


class SecretIn(BaseModel):
    value: SecretStr = Field(min_length=1, max_length=4096, description="Write-only.")


class CheckStep(BaseModel):
    name: str
    ok: bool
    detail: str


class Verdict(BaseModel):
    target: CheckTarget
    ok: bool
    summary: str
    steps: list[CheckStep]
    latency_ms: int | None = None
