"""The environment backend (read-only) and `cryptodesk vault` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from cryptodesk.cli import app
from cryptodesk.config import get_settings
from cryptodesk.errors import VaultReadOnlyError
from cryptodesk.vault.env import EnvVault
from tests.vault.conftest import vault_settings

SECRET = "sk-cli-secret-value-0123456789"


async def test_env_vault_reads_the_environment_and_refuses_writes(tmp_path: Path) -> None:
    settings = vault_settings(
        tmp_path,
        vault_backend="env",
        llm_provider="azure",
        llm_api_key="azure-key-from-env-123456",
        exchange_api_key="ex-key-from-env-123456",
    )
    vault = EnvVault(settings)
    assert await vault.get("azure_openai_api_key") == SecretStr("azure-key-from-env-123456")
    assert await vault.get("openai_api_key") is None  # the provider is azure
    assert {item.name for item in await vault.items()} == {
        "azure_openai_api_key",
        "exchange_api_key",
    }
    with pytest.raises(VaultReadOnlyError, match="CRYPTODESK_EXCHANGE_API_SECRET"):
        await vault.set("exchange_api_secret", SecretStr("x" * 20))
    with pytest.raises(VaultReadOnlyError):
        await vault.delete("exchange_api_key")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRYPTODESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CRYPTODESK_VAULT_KEY_FILE", str(tmp_path / "config" / "master.key"))
    monkeypatch.setenv("CRYPTODESK_VAULT_KEYRING", "false")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_vault_set_list_rotate_delete_never_prints_the_value(cli_env: Path) -> None:
    runner = CliRunner()
    stored = runner.invoke(app, ["vault", "set", "exchange_api_secret"], input=SECRET + "\n")
    assert stored.exit_code == 0, stored.output
    listed = runner.invoke(app, ["vault", "list"], terminal_width=200)
    assert listed.exit_code == 0
    assert "••••6789" in listed.output and SECRET[:-4] not in listed.output
    rotated = runner.invoke(app, ["vault", "rotate-key"])
    assert rotated.exit_code == 0 and "1 secret(s) re-encrypted" in rotated.output
    again = runner.invoke(app, ["vault", "list"], terminal_width=200)
    assert "••••6789" in again.output
    assert SECRET not in (cli_env / "data" / "secrets.json").read_text()
    deleted = runner.invoke(app, ["vault", "delete", "exchange_api_secret"])
    assert deleted.exit_code == 0
    assert runner.invoke(app, ["vault", "delete", "exchange_api_secret"]).exit_code == 1
    for result in (stored, listed, rotated, again, deleted):
        assert SECRET not in result.output


def test_cli_vault_set_takes_no_value_on_the_command_line(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["vault", "set", "exchange_api_key", SECRET])
    assert result.exit_code == 2  # an extra argument: refused by the command's signature
    unknown = CliRunner().invoke(app, ["vault", "set", "my_password"], input="x\n")
    assert unknown.exit_code == 2 and "Unknown secret" in unknown.output


def test_cli_vault_set_refuses_a_value_with_control_characters(cli_env: Path) -> None:
    bad = "CG-CANARY-value\x00tail-0123456789"
    result = CliRunner().invoke(app, ["vault", "set", "coingecko_api_key"], input=bad + "\n")
    assert result.exit_code == 2
    assert "not stored" in result.output and "control or invisible" in result.output
    assert "CANARY" not in result.output
    assert not (cli_env / "data" / "secrets.json").exists()


def test_cli_serve_refuses_a_public_address_without_a_token(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "CRYPTODESK_ACCESS_TOKEN" in result.output
