"""The secrets CryptoDesk uses, and the setting each one feeds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NewType, get_args

from pydantic import SecretStr

from cryptodesk.config import LlmProvider, Settings

SecretName = Literal[
    "openai_api_key",
    "azure_openai_api_key",
    "coingecko_api_key",
    "exchange_api_key",
    "exchange_api_secret",
    "exchange_api_passphrase",
]
SECRET_NAMES: tuple[SecretName, ...] = get_args(SecretName)

TargetKey = NewType("TargetKey", str)
"""The vault entry of a notification target's URL (`notify_target_<id>`): not a setting, so
the settings page never lists it, but kept, encrypted and checked like every secret."""
VaultKey = SecretName | TargetKey
TARGET_PREFIX = "notify_target_"


def target_key(target_id: str) -> TargetKey:
    if not target_id.isalnum():
        raise ValueError(f"a notification target id is alphanumeric, not {target_id!r}")
    return TargetKey(TARGET_PREFIX + target_id)


SecretField = Literal[
    "llm_api_key",
    "coingecko_api_key",
    "exchange_api_key",
    "exchange_api_secret",
    "exchange_api_passphrase",
]


@dataclass(frozen=True, slots=True)
class SecretSpec:
    name: SecretName
    label: str
    field: SecretField
    """The `Settings` field the secret fills (its environment variable is CRYPTODESK_<FIELD>)."""
    providers: tuple[LlmProvider | None, ...] | None = None
    """For LLM keys: the providers that use it (None: always used)."""
    header: bool = True
    """Sent as an HTTP header value (an exchange's secret only signs requests)."""

    def used_with(self, provider: LlmProvider | None) -> bool:
        return self.providers is None or provider in self.providers


SPECS: dict[SecretName, SecretSpec] = {
    spec.name: spec
    for spec in (
        SecretSpec(
            "openai_api_key",
            "OpenAI (or OpenAI-compatible) API key",
            "llm_api_key",
            ("openai", "openai-compatible", "ollama", None),
        ),
        SecretSpec("azure_openai_api_key", "Azure OpenAI API key", "llm_api_key", ("azure",)),
        SecretSpec("coingecko_api_key", "CoinGecko demo or pro API key", "coingecko_api_key"),
        SecretSpec("exchange_api_key", "Exchange API key", "exchange_api_key"),
        SecretSpec(
            "exchange_api_secret", "Exchange API secret", "exchange_api_secret", header=False
        ),
        SecretSpec("exchange_api_passphrase", "Exchange API passphrase", "exchange_api_passphrase"),
    )
}

MIN_LENGTH_FOR_HINT = 12
"""Shorter secrets show no last characters: four of eight would give half of it away."""


def last_four(value: SecretStr) -> str | None:
    raw = value.get_secret_value()
    return raw[-4:] if len(raw) >= MIN_LENGTH_FOR_HINT else None


def parse_name(name: str) -> SecretName:
    """The secret called `name`; raises `KeyError` for a name CryptoDesk does not use."""
    for known in SECRET_NAMES:
        if known == name:
            return known
    raise KeyError(name)


def from_environment(settings: Settings, name: SecretName) -> SecretStr | None:
    """The value the environment (or `.env`) gives a secret, for the provider in use."""
    spec = SPECS[name]
    if not spec.used_with(settings.llm_provider):
        return None
    value: SecretStr | None = getattr(settings, spec.field)
    return value if value is not None and value.get_secret_value() else None


def as_settings(settings: Settings, values: dict[SecretName, SecretStr]) -> dict[str, SecretStr]:
    """Settings fields filled from the vault's `values` (an LLM key only for its provider)."""
    fields: dict[str, SecretStr] = {}
    for name, value in values.items():
        spec = SPECS[name]
        if spec.used_with(settings.llm_provider) and value.get_secret_value():
            fields[spec.field] = value
    return fields
