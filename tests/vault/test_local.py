"""The encrypted local store: round trip, key sources, wrong key, tampering, rotation."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from cryptodesk.config import Settings
from cryptodesk.errors import InvalidSecretError, VaultError
from cryptodesk.vault import SECRET_NAMES
from cryptodesk.vault.keys import KeyStore, key_id
from cryptodesk.vault.local import LocalVault
from cryptodesk.vault.names import SecretName
from tests.vault.conftest import vault_settings

VALUES = {name: f"{name}-value-{i}-0123456789" for i, name in enumerate(SECRET_NAMES)}


async def fill(vault: LocalVault) -> None:
    for name, value in VALUES.items():
        await vault.set(name, SecretStr(value))


async def read_all(vault: LocalVault) -> dict[str, str]:
    return {item.name: item.value.get_secret_value() for item in await vault.items()}


async def test_local_vault_round_trip_keeps_only_ciphertext_at_rest(settings: Settings) -> None:
    vault = LocalVault(settings)
    await fill(vault)
    assert await read_all(vault) == VALUES
    assert (await vault.get("exchange_api_secret")) == SecretStr(VALUES["exchange_api_secret"])
    text = vault.path.read_text()
    assert not any(value in text for value in VALUES.values())
    assert not any(value[-8:] in text for value in VALUES.values())
    # A fresh instance (a restart) reads the same secrets with the key file.
    assert await read_all(LocalVault(settings)) == VALUES
    assert stat.S_IMODE(vault.path.stat().st_mode) == 0o600


async def test_local_vault_generates_a_0600_key_file_outside_the_data_dir(
    settings: Settings,
) -> None:
    vault = LocalVault(settings)
    assert not settings.resolved_key_file.exists()  # nothing is generated until needed
    await vault.set("coingecko_api_key", SecretStr("CG-abcdefghijklmnop"))
    key_file = settings.resolved_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not key_file.resolve().is_relative_to(settings.data_dir.resolve())
    assert key_file.read_bytes().strip() not in vault.path.read_bytes()


def test_local_vault_refuses_a_key_file_beside_the_ciphertext(tmp_path: Path) -> None:
    settings = vault_settings(tmp_path, vault_key_file=tmp_path / "data" / "master.key")
    with pytest.raises(VaultError, match="inside the data directory"):
        LocalVault(settings)


async def test_local_vault_refuses_a_key_file_others_can_read(settings: Settings) -> None:
    await LocalVault(settings).set("exchange_api_key", SecretStr("k" * 20))
    settings.resolved_key_file.chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        await LocalVault(settings).items()


async def test_local_vault_uses_the_master_key_setting(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    settings = vault_settings(tmp_path, master_key=key)
    vault = LocalVault(settings)
    await fill(vault)
    assert not settings.resolved_key_file.exists()
    doc = json.loads(vault.path.read_text())
    assert doc["key_id"] == key_id(key.encode())
    assert await read_all(LocalVault(vault_settings(tmp_path, master_key=key))) == VALUES


async def test_local_vault_wrong_master_key_is_a_clear_error_and_loses_nothing(
    tmp_path: Path,
) -> None:
    right = Fernet.generate_key().decode()
    vault = LocalVault(vault_settings(tmp_path, master_key=right))
    await fill(vault)
    before = vault.path.read_bytes()
    wrong = LocalVault(vault_settings(tmp_path, master_key=Fernet.generate_key().decode()))
    for attempt in (
        wrong.items(),
        wrong.get("exchange_api_key"),
        wrong.set("exchange_api_key", SecretStr("overwrite-attempt-123")),
        wrong.delete("exchange_api_key"),
        wrong.rotate_key(),
    ):
        with pytest.raises(VaultError, match="wrong master key") as raised:
            await attempt
        assert not any(v in raised.value.message for v in VALUES.values())
    assert vault.path.read_bytes() == before
    assert await read_all(vault) == VALUES


async def test_local_vault_master_key_that_is_not_a_fernet_key_is_explained(
    tmp_path: Path,
) -> None:
    vault = LocalVault(vault_settings(tmp_path, master_key="correct horse battery staple"))
    with pytest.raises(VaultError, match="not a Fernet key") as raised:
        await vault.set("exchange_api_key", SecretStr("abcdefghijklmnop"))
    assert "correct horse" not in raised.value.message


async def test_local_vault_tampered_ciphertext_is_a_clear_error_and_loses_nothing(
    settings: Settings,
) -> None:
    vault = LocalVault(settings)
    await fill(vault)
    doc = json.loads(vault.path.read_text())
    token = doc["secrets"]["exchange_api_key"]["token"]
    doc["secrets"]["exchange_api_key"]["token"] = (
        token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    )
    vault.path.write_text(json.dumps(doc))
    tampered = vault.path.read_bytes()
    contents = await vault.items()
    assert set(contents.damaged) == {"exchange_api_key"}
    assert "modified" in contents.damaged["exchange_api_key"]
    assert {item.name for item in contents} == set(VALUES) - {"exchange_api_key"}
    with pytest.raises(VaultError, match="modified"):
        await vault.get("exchange_api_key")
    assert (await vault.get("exchange_api_secret")) == SecretStr(VALUES["exchange_api_secret"])
    assert vault.path.read_bytes() == tampered  # nothing rewritten
    await vault.set("exchange_api_key", SecretStr(VALUES["exchange_api_key"]))  # the way out
    assert await read_all(vault) == VALUES


async def test_local_vault_damaged_file_is_left_untouched(settings: Settings) -> None:
    vault = LocalVault(settings)
    await fill(vault)
    vault.path.write_text('{"format": "cryptodesk-vault", "secr')
    with pytest.raises(VaultError, match="not a CryptoDesk vault file"):
        await vault.set("exchange_api_key", SecretStr("abcdefghijklmnop"))
    assert vault.path.read_text() == '{"format": "cryptodesk-vault", "secr'


async def test_local_vault_concurrent_writes_lose_nothing(settings: Settings) -> None:
    vault = LocalVault(settings)
    await asyncio.gather(*(vault.set(n, SecretStr(v)) for n, v in VALUES.items()))
    assert await read_all(vault) == VALUES


def test_local_vault_writers_in_threads_with_their_own_instances_lose_nothing(
    settings: Settings,
) -> None:
    """Like a server and a `cryptodesk vault set` at once: the file lock serialises them."""
    asyncio.run(LocalVault(settings).set("coingecko_api_key", SecretStr("first-value-123456")))
    errors: list[BaseException] = []

    def writer(name: str, value: str) -> None:
        try:
            for i in range(5):
                asyncio.run(LocalVault(settings).set(name, SecretStr(f"{value}-{i}")))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=item) for item in VALUES.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert asyncio.run(read_all(LocalVault(settings))) == {n: f"{v}-4" for n, v in VALUES.items()}


async def test_local_vault_rotation_keeps_every_secret_readable(settings: Settings) -> None:
    vault = LocalVault(settings)
    await fill(vault)
    old_key = settings.resolved_key_file.read_bytes()
    old_doc = json.loads(vault.path.read_text())
    key, count = await vault.rotate_key()
    assert count == len(VALUES)
    assert settings.resolved_key_file.read_bytes().strip() == key.key != old_key.strip()
    new_doc = json.loads(vault.path.read_text())
    assert new_doc["key_id"] == key.id != old_doc["key_id"]
    assert all(new_doc["secrets"][n]["token"] != old_doc["secrets"][n]["token"] for n in VALUES)
    assert await read_all(LocalVault(settings)) == VALUES
    with pytest.raises(InvalidToken):  # the old key no longer opens the vault
        Fernet(old_key.strip()).decrypt(new_doc["secrets"]["exchange_api_key"]["token"].encode())


async def test_local_vault_finishes_a_rotation_interrupted_before_promotion(
    settings: Settings,
) -> None:
    vault = LocalVault(settings)
    await fill(vault)
    keys = KeyStore(settings)
    current = keys.load()
    assert current is not None
    new = Fernet.generate_key()
    keys.stage(current, new)
    # Crash after the ciphertext was rewritten with the staged key, before promotion:
    doc = json.loads(vault.path.read_text())
    box = Fernet(new)
    for name, value in VALUES.items():
        doc["secrets"][name]["token"] = box.encrypt(json.dumps({"v": value}).encode()).decode()
    doc["key_id"] = key_id(new)
    vault.path.write_text(json.dumps(doc))
    assert await read_all(LocalVault(settings)) == VALUES
    assert settings.resolved_key_file.read_bytes().strip() == new


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("coingecko_api_key", "CG-key\r\nX-Injected: 1", "control or invisible"),
        ("exchange_api_key", "key\x00tail-0123456789", "control or invisible"),
        ("openai_api_key", "sk-key\u200btail-0123", "control or invisible"),
        ("openai_api_key", "sk-key\u20actail-0123", "non-ASCII"),
        ("exchange_api_secret", "two words 0123456789", "spaces"),
    ],
)
async def test_local_vault_refuses_values_that_cannot_be_secrets(
    settings: Settings, name: SecretName, value: str, why: str
) -> None:
    vault = LocalVault(settings)
    await vault.set("exchange_api_passphrase", SecretStr("pass-0123456789"))
    before = vault.path.read_bytes()
    with pytest.raises(InvalidSecretError, match=why) as raised:
        await vault.set(name, SecretStr(value))
    assert name in raised.value.message and value not in raised.value.message
    assert vault.path.read_bytes() == before


async def test_local_vault_keeps_printable_non_ascii_in_a_secret_that_only_signs(
    settings: Settings,
) -> None:
    vault = LocalVault(settings)
    await vault.set("exchange_api_secret", SecretStr("  s€cret-0123456789\n"))
    assert await vault.get("exchange_api_secret") == SecretStr("s€cret-0123456789")
