"""The settings the API and the web app may change: everything that is neither a secret nor
about where the server listens or stores data (those stay in the environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cryptodesk.config import (
    CoinGeckoPlan,
    EngineChoice,
    LlmProvider,
    MarketDataMode,
    Settings,
)
from cryptodesk.errors import InvalidSettingsError

SettingSource = Literal["store", "env", "default"]


LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _describe_limits(schema: dict[str, Any]) -> None:
    """The JSON Schema shows the numeric limits `Settings` enforces (checked by `merged`, which
    answers with a reason per field)."""
    limited = Settings.model_json_schema()["properties"]
    for name, prop in schema["properties"].items():
        source = limited.get(name, {})
        wanted = {k: v for branch in (source, *source.get("anyOf", ())) for k, v in branch.items()}
        for branch in prop.get("anyOf", [prop]):
            if branch.get("type") in ("number", "integer"):
                branch.update({k: wanted[k] for k in LIMITS if k in wanted})


class EditableSettings(BaseModel):
    """In `PUT /api/v1/settings` a field that is absent stays as it is, and `null` forgets the
    stored value (back to the environment or the default). Limits are those of `Settings`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_describe_limits)

    engine: EngineChoice | None = None
    llm_provider: LlmProvider | None = None
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_orchestrator_model: str | None = None
    llm_worker_model: str | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str | None = None
    ollama_url: str | None = None
    llm_timeout_s: float | None = None
    run_budget_tokens: int | None = None
    run_budget_usd: float | None = None
    daily_budget_usd: float | None = None
    daily_budget_tokens: int | None = None
    llm_stall_timeout_s: float | None = None
    llm_parallel: bool | None = None
    market_data: MarketDataMode | None = None
    replay_dir: str | None = None
    coingecko_plan: CoinGeckoPlan | None = None
    coingecko_base_url: str | None = None
    http_timeout_s: float | None = None
    exchange: str | None = Field(None, max_length=40)
    exchange_quote: str | None = Field(None, max_length=12)
    exchange_timeout_s: float | None = None
    max_turns: int | None = None
    run_timeout_s: float | None = None
    tool_timeout_s: float | None = None


EDITABLE: tuple[str, ...] = tuple(EditableSettings.model_fields)


def current_values(settings: Settings) -> EditableSettings:
    values = {name: _plain(getattr(settings, name)) for name in EDITABLE}
    return EditableSettings.model_validate(values)


def merged(base: Settings, overrides: dict[str, Any]) -> Settings:
    """`base` with `overrides` applied, validated by `Settings` itself plus the rules below;
    raises `InvalidSettingsError` with a reason per field."""
    values = {name: getattr(base, name) for name in Settings.model_fields}
    values.update(overrides)
    reasons = _field_rules(overrides)
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise InvalidSettingsError(_reasons(exc) | reasons) from None
    reasons |= _rules(settings)
    if reasons:
        raise InvalidSettingsError(reasons)
    return settings


def _field_rules(overrides: dict[str, Any]) -> dict[str, str]:
    """Rules of the API alone (`Settings` itself checks URLs, numbers and bounds)."""
    reasons: dict[str, str] = {}
    exchange = overrides.get("exchange")
    if exchange is not None:
        name = str(exchange).strip().lower()
        if not name or not name.replace("_", "").isalnum():
            reasons["exchange"] = "must be a ccxt exchange id such as bitget, binance or okx"
    return reasons


def _rules(settings: Settings) -> dict[str, str]:
    """Rules across fields, on settings that passed the model's own validation."""
    reasons: dict[str, str] = {}
    provider = settings.llm_provider
    if provider == "openai-compatible" and not settings.llm_base_url:
        reasons["llm_base_url"] = "provider openai-compatible needs the server's URL"
    if provider == "azure" and not (settings.azure_openai_endpoint or settings.llm_base_url):
        reasons["azure_openai_endpoint"] = "provider azure needs the resource endpoint"
    if provider is not None and settings.orchestrator_model is None:
        field = "azure_openai_deployment" if provider == "azure" else "llm_model"
        reasons[field] = f"provider {provider} needs a model (Azure: a deployment)"
    if settings.market_data == "replay":
        folder = settings.replay_dir
        if folder is None or not Path(folder).is_dir():
            reasons["replay_dir"] = "market data replay needs an existing folder of CSV files"
    return reasons


def _reasons(exc: ValidationError) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        reasons.setdefault(field, error["msg"])
    return reasons


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Path) else value
