"""Notification targets: Apprise URLs checked by Apprise, kept in the vault (write-only), shown
masked; their secret parts are registered for scrubbing like every other secret."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from pydantic import SecretStr

from cryptodesk.errors import NotFoundError, VaultError
from cryptodesk.redaction import MIN_SCRUBBED, SECRETS
from cryptodesk.store.ids import new_id
from cryptodesk.store.targets import TargetRepo
from cryptodesk.store.watch_records import NotifyTarget
from cryptodesk.vault.base import SecretsBackend
from cryptodesk.vault.names import target_key
from cryptodesk.watch import delivery

log = logging.getLogger(__name__)

TEST_TITLE = "CryptoDesk test notification"
TEST_BODY = "This target works: CryptoDesk alerts and scheduled analyses can reach it."


def secret_parts(url: str, shown: str) -> list[str]:
    """The URL and every part of it that its masked form does not show (tokens, passwords,
    webhook paths): what scrubbing must remove from text."""
    rest = url.partition("://")[2]
    parts = [p for p in re.split(r"[/:@?&=#+,;]", rest) if len(p) >= MIN_SCRUBBED]
    return [url, *(p for p in parts if p not in shown)]


class TargetBook:
    def __init__(self, repo: TargetRepo, vault: Callable[[], SecretsBackend]) -> None:
        self._repo = repo
        self._vault = vault
        self._owner = f"notify-targets-{id(self)}"
        self._secrets: dict[str, list[str]] = {}

    async def add(self, name: str, url: SecretStr) -> NotifyTarget:
        """Checks the URL with Apprise, stores it in the vault, then the target (a failure
        leaves neither behind)."""
        plain = url.get_secret_value().strip()
        info = delivery.inspect(plain)
        target_id = new_id()
        vault = self._vault()
        await vault.set(target_key(target_id), SecretStr(plain))
        try:
            target = await self._repo.create(target_id, name, info.service, info.masked)
        except BaseException:
            await vault.delete(target_key(target_id))
            raise
        self._remember(target_id, plain, info.masked)
        log.info("notification target %s (%s) added", target_id, info.service)
        return target

    async def url(self, target_id: str) -> SecretStr | None:
        """The target's URL from the vault; None when the target or its secret is gone."""
        return await self._vault().get(target_key(target_id))

    async def remove(self, target_id: str) -> None:
        if not await self._repo.delete(target_id):
            raise NotFoundError("notification target", target_id)
        self._secrets.pop(target_id, None)
        SECRETS.update(self._owner, [p for parts in self._secrets.values() for p in parts])
        try:
            await self._vault().delete(target_key(target_id))
        except VaultError as exc:  # the target is gone; its orphaned secret is harmless
            log.warning("could not delete the secret of target %s: %s", target_id, exc.message)

    async def test(self, target_id: str, timeout_s: float) -> tuple[NotifyTarget, int]:
        """Sends a real test notification; the target with the outcome, and the latency."""
        await self._repo.get(target_id)  # NotFoundError
        url = await self.url(target_id)
        if url is None:
            detail, ok, latency = (
                "its URL is missing from the vault: add the target again",
                False,
                0,
            )
        else:
            outcome = await delivery.send(
                url.get_secret_value(),
                TEST_TITLE,
                TEST_BODY,
                idempotency_key=None,
                timeout_s=timeout_s,
            )
            ok, latency = outcome.ok, outcome.latency_ms
            detail = "delivered" if outcome.ok else f"not delivered: {outcome.error}"
        return await self._repo.record_test(target_id, ok, detail), latency

    async def register_secrets(self) -> None:
        """Registers every stored URL for scrubbing (at start-up)."""
        for target in await self._repo.listed():
            url = await self.url(target.id)
            if url is not None:
                self._remember(target.id, url.get_secret_value(), target.masked)

    def forget_secrets(self) -> None:
        SECRETS.forget(self._owner)

    def _remember(self, target_id: str, url: str, shown: str) -> None:
        self._secrets[target_id] = secret_parts(url, shown)
        SECRETS.update(self._owner, [p for parts in self._secrets.values() for p in parts])
