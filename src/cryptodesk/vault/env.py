"""The environment as a read-only backend: CRYPTODESK_* variables (and `.env`)."""

from __future__ import annotations

from typing import cast

from pydantic import SecretStr

from cryptodesk.config import Settings
from cryptodesk.errors import VaultReadOnlyError
from cryptodesk.vault.base import StoredSecret, VaultContents
from cryptodesk.vault.names import SECRET_NAMES, SPECS, SecretName, VaultKey, from_environment


class EnvVault:
    name = "env"
    writable = False

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def describe(self) -> str:
        return "environment variables (read-only)"

    async def get(self, name: VaultKey) -> SecretStr | None:
        if name not in SPECS:
            return None  # notification targets cannot come from the environment
        return from_environment(self._settings, cast(SecretName, name))

    async def items(self) -> VaultContents:
        found = ((name, from_environment(self._settings, name)) for name in SECRET_NAMES)
        return VaultContents(
            tuple(StoredSecret(name, value, None) for name, value in found if value is not None)
        )

    async def set(self, name: VaultKey, value: SecretStr) -> None:
        raise self._read_only(name)

    async def delete(self, name: VaultKey) -> bool:
        raise self._read_only(name)

    async def aclose(self) -> None:
        return None

    def _read_only(self, name: VaultKey) -> VaultReadOnlyError:
        if name not in SPECS:
            return VaultReadOnlyError(
                "the secrets backend is 'env' (read-only): notification targets carry tokens and "
                "are kept in the vault; choose CRYPTODESK_VAULT_BACKEND=local (or azure) to add one"
            )
        variable = f"CRYPTODESK_{SPECS[cast(SecretName, name)].field.upper()}"
        return VaultReadOnlyError(
            f"the secrets backend is 'env' (read-only): set {variable} in the environment, or "
            "choose CRYPTODESK_VAULT_BACKEND=local to store secrets from CryptoDesk"
        )
