"""The settings in force: the settings store, then the environment, then the defaults; secrets
from the vault fill the same fields (the vault first, then the environment)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import SecretStr

from cryptodesk.config import Settings
from cryptodesk.errors import InvalidSettingsError, VaultError
from cryptodesk.redaction import SECRETS, settings_secrets
from cryptodesk.settings.editable import (
    EDITABLE,
    EditableSettings,
    SettingSource,
    current_values,
    merged,
)
from cryptodesk.settings.schemas import SecretStatus, SettingsOut, VaultStatus
from cryptodesk.store.settings import SettingsRepo
from cryptodesk.vault.base import SecretsBackend, VaultContents
from cryptodesk.vault.names import SECRET_NAMES, SPECS, SecretName, as_settings, last_four
from cryptodesk.vault.names import from_environment as env_secret

log = logging.getLogger(__name__)


class SettingsService:
    def __init__(self, base: Settings, repo: SettingsRepo, vault: SecretsBackend) -> None:
        self.base = base
        """From the environment, `.env` and the defaults (what the process started with)."""
        self.vault = vault
        self._repo = repo
        self.vault_error: str | None = None
        self._owner = f"settings-{id(self)}"
        SECRETS.update(self._owner, settings_secrets(base))

    async def effective(self) -> Settings:
        """The settings for the next run. A vault that cannot be read is reported in
        `vault_error` (and the settings page), and its secrets are left out; so is a damaged
        entry, alone. Every secret value in force is registered for scrubbing."""
        settings = await self._without_secrets()
        contents = await self._contents()
        stored = {item.name: item.value for item in contents}
        SECRETS.update(self._owner, [*settings_secrets(self.base), *stored.values()])
        return settings.model_copy(update=as_settings(settings, stored))

    async def update(self, patch: EditableSettings) -> None:
        """Validates `patch` against the settings in force and stores it (all or nothing)."""
        given = patch.model_dump(exclude_unset=True)
        stored = await self._stored()
        values = {k: v for k, v in given.items() if v is not None}
        cleared = {k for k, v in given.items() if v is None}
        overrides = {k: v for k, v in stored.items() if k not in cleared} | values
        merged(self.base, overrides)  # raises InvalidSettingsError
        await self._repo.save(values, cleared)
        log.info("settings changed: %s", ", ".join(sorted(given)) or "nothing")

    async def sources(self) -> dict[str, SettingSource]:
        stored = await self._stored()
        from_env = self.base.model_fields_set
        return {
            name: "store" if name in stored else "env" if name in from_env else "default"
            for name in EDITABLE
        }

    async def set_secret(self, name: SecretName, value: SecretStr) -> None:
        """Stores `value`; the backend checks it first (`InvalidSecretError`: nothing stored)."""
        await self.vault.set(name, value)
        log.info("secret %s stored in the %s vault", name, self.vault.name)

    async def delete_secret(self, name: SecretName) -> bool:
        deleted = await self.vault.delete(name)
        log.info("secret %s %s", name, "deleted" if deleted else "was not set")
        return deleted

    async def secrets(self, settings: Settings) -> list[SecretStatus]:
        contents = await self._contents()
        stored = {item.name: item for item in contents}
        env = self.base.model_copy(update={"llm_provider": settings.llm_provider})
        statuses = []
        for name in SECRET_NAMES:
            spec = SPECS[name]
            item = stored.get(name)
            from_env = env_secret(env, name) if item is None else None
            value = item.value if item is not None else from_env
            statuses.append(
                SecretStatus(
                    name=name,
                    label=spec.label,
                    is_set=value is not None,
                    last4=last_four(value) if value is not None else None,
                    updated_at=item.updated_at if item is not None else None,
                    source="vault" if item is not None else "env" if from_env else None,
                    used=spec.used_with(settings.llm_provider),
                    error=contents.damaged.get(name),
                )
            )
        return statuses

    async def aclose(self) -> None:
        SECRETS.forget(self._owner)
        await self.vault.aclose()

    async def view(self, settings: Settings, engine: str) -> SettingsOut:
        """`settings` are those in force (`effective()`), `engine` the one they select."""
        return SettingsOut(
            values=current_values(settings),
            sources=await self.sources(),
            secrets=await self.secrets(settings),
            vault=self.vault_status(),
            engine=engine,
        )

    def vault_status(self) -> VaultStatus:
        return VaultStatus(
            backend=self.base.vault_backend,
            writable=self.vault.writable,
            location=self.vault.describe(),
            error=self.vault_error,
        )

    async def _contents(self) -> VaultContents:
        """The vault's contents; `vault_error` says what cannot be read (all of it, or which
        damaged entries), and the settings page shows it."""
        try:
            contents = await self.vault.items()
        except VaultError as exc:
            log.error("secrets vault unreadable: %s", exc.message)
            self.vault_error = exc.message
            return VaultContents()
        if contents.damaged:
            for reason in contents.damaged.values():
                log.error("%s", reason)
            self.vault_error = " ".join(contents.damaged.values())
        else:
            self.vault_error = None
        return contents

    async def _stored(self) -> dict[str, Any]:
        return {k: v for k, v in (await self._repo.load()).items() if k in EDITABLE}

    async def _without_secrets(self) -> Settings:
        stored = await self._stored()
        try:
            return merged(self.base, stored)
        except InvalidSettingsError as exc:
            # Stored by an older version, or its environment changed: say so, keep running.
            log.error("stored settings ignored: %s", exc.message)
            return self.base
