"""What every secrets backend offers: read, write, delete and list without revealing values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import SecretStr

from cryptodesk.vault.names import SecretName, VaultKey


@dataclass(frozen=True, slots=True)
class StoredSecret:
    """A secret as a backend lists it: its value stays a `SecretStr`, never printed."""

    name: SecretName
    value: SecretStr
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class VaultContents:
    """What a backend holds: the readable secrets (iterating yields them) and, by name, why each
    damaged entry cannot be read. One damaged entry damages only itself."""

    secrets: tuple[StoredSecret, ...] = ()
    damaged: Mapping[SecretName, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[StoredSecret]:
        return iter(self.secrets)

    def __len__(self) -> int:
        return len(self.secrets)


class SecretsBackend(Protocol):
    name: str
    """`local`, `env` or `azure`, as in CRYPTODESK_VAULT_BACKEND."""
    writable: bool

    def describe(self) -> str:
        """Where the secrets live, for status pages (never a value)."""
        ...

    async def get(self, name: VaultKey) -> SecretStr | None: ...

    async def items(self) -> VaultContents:
        """Every stored secret, and the entries that cannot be read (`damaged`); raises
        `VaultError` only when the vault as a whole cannot be read (wrong key, backend down)."""
        ...

    async def set(self, name: VaultKey, value: SecretStr) -> None:
        """Stores `value` checked by `vault.values.checked` (`InvalidSecretError`, nothing stored,
        when it breaks a rule)."""
        ...

    async def delete(self, name: VaultKey) -> bool:
        """False when there was nothing to delete."""
        ...

    async def aclose(self) -> None: ...
