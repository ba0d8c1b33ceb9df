"""What every secrets backend offers: read, write, delete and list without revealing values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import SecretStr

from cryptodesk.vault.names import SecretName


@dataclass(frozen=True, slots=True)
class StoredSecret:
    """A secret as a backend lists it: its value stays a `SecretStr`, never printed."""

    name: SecretName
    value: SecretStr
    updated_at: datetime | None


class SecretsBackend(Protocol):
    name: str
    """`local`, `env` or `azure`, as in CRYPTODESK_VAULT_BACKEND."""
    writable: bool

    def describe(self) -> str:
        """Where the secrets live, for status pages (never a value)."""
        ...

    async def get(self, name: SecretName) -> SecretStr | None: ...

    async def items(self) -> list[StoredSecret]:
        """Every stored secret; raises `VaultError` when any cannot be read."""
        ...

    async def set(self, name: SecretName, value: SecretStr) -> None: ...

    async def delete(self, name: SecretName) -> bool:
        """False when there was nothing to delete."""
        ...

    async def aclose(self) -> None: ...
