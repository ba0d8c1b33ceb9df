"""Azure Key Vault through the real SDK against a loopback fake of its REST API (HTTPS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from cryptodesk.errors import InvalidSecretError, VaultError
from cryptodesk.vault.azure import AzureKeyVault
from tests.vault.fake_azure import FakeCredential, FakeKeyVault, fake_key_vault


@pytest.fixture
def key_vault(tmp_path: Path) -> Iterator[tuple[FakeKeyVault, Path]]:
    with fake_key_vault(tmp_path) as running:
        yield running


def client(fake: FakeKeyVault, cert: Path, token: str | None = None) -> AzureKeyVault:
    credential = FakeCredential(token) if token else FakeCredential()
    # TLS is verified against the test's certificate. The challenge's resource must be a parent
    # domain of the vault's (".vault.azure.net"), which an IP address cannot satisfy: that one
    # check is off here, and only here.
    return AzureKeyVault(
        fake.url, credential, connection_verify=str(cert), verify_challenge_resource=False
    )


async def test_azure_vault_round_trip(key_vault: tuple[FakeKeyVault, Path]) -> None:
    fake, cert = key_vault
    vault = client(fake, cert)
    try:
        assert await vault.get("exchange_api_key") is None
        await vault.set("exchange_api_key", SecretStr("bitget-key-0123456789"))
        await vault.set("openai_api_key", SecretStr("sk-azure-test-abcdef"))
        assert fake.secrets["cryptodesk-exchange-api-key"]["value"] == "bitget-key-0123456789"
        assert await vault.get("exchange_api_key") == SecretStr("bitget-key-0123456789")
        items = await vault.items()
        assert [(i.name, i.value.get_secret_value()) for i in items] == [
            ("exchange_api_key", "bitget-key-0123456789"),
            ("openai_api_key", "sk-azure-test-abcdef"),
        ]
        assert all(i.updated_at is not None for i in items)
        assert await vault.delete("exchange_api_key") is True
        assert await vault.delete("exchange_api_key") is False
        assert await vault.get("exchange_api_key") is None
    finally:
        await vault.aclose()
    # The SDK did the challenge dance: a first request without a token, then bearer tokens.
    assert fake.requests[0][2] is False
    assert any(ok for _method, _path, ok in fake.requests)


async def test_azure_vault_rejected_credential_is_a_vault_error(
    key_vault: tuple[FakeKeyVault, Path],
) -> None:
    fake, cert = key_vault
    vault = client(fake, cert, token="not-the-right-token")
    try:
        with pytest.raises(VaultError, match="could not write secret 'exchange_api_key'") as raised:
            await vault.set("exchange_api_key", SecretStr("never-stored-123456"))
        assert "never-stored" not in raised.value.message
    finally:
        await vault.aclose()
    assert fake.secrets == {}


async def test_azure_vault_unreachable_is_a_vault_error(tmp_path: Path) -> None:
    from tests.runtime.server import free_port

    vault = AzureKeyVault(f"https://127.0.0.1:{free_port()}", FakeCredential(), retry_total=0)
    try:
        with pytest.raises(VaultError, match="could not read secret"):
            await vault.get("coingecko_api_key")
    finally:
        await vault.aclose()


async def test_azure_vault_refuses_a_value_with_control_characters(
    key_vault: tuple[FakeKeyVault, Path],
) -> None:
    fake, cert = key_vault
    vault = client(fake, cert)
    try:
        with pytest.raises(InvalidSecretError, match="control or invisible"):
            await vault.set("coingecko_api_key", SecretStr("CG-key\r\nX-Injected: 1"))
    finally:
        await vault.aclose()
    assert fake.secrets == {}
