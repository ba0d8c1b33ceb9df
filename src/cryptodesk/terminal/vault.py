"""`cryptodesk vault set/list/delete/rotate-key`: the secrets vault from the command line.

Values come from a hidden prompt or standard input, never from the command line (argv is
visible to other users and lands in shell history).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from cryptodesk.config import Settings, get_settings
from cryptodesk.errors import CryptoDeskError, InvalidSecretError
from cryptodesk.vault import SECRET_NAMES, SPECS, open_vault
from cryptodesk.vault.base import VaultContents
from cryptodesk.vault.names import SecretName, last_four, parse_name
from cryptodesk.vault.values import checked

T = TypeVar("T")
vault_app = typer.Typer(help="Secrets: set, list, delete, rotate the master key.")
console = Console()
err_console = Console(stderr=True)
NAMES_HELP = "One of: " + ", ".join(SECRET_NAMES)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        err_console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def _run(work: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(work)
    except CryptoDeskError as exc:
        err_console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None


def _name(name: str) -> SecretName:
    try:
        return parse_name(name)
    except KeyError:
        err_console.print(f"[red]Unknown secret {name!r}.[/red] {NAMES_HELP}")
        raise typer.Exit(2) from None


@vault_app.command("set")
def set_secret(name: Annotated[str, typer.Argument(help=NAMES_HELP)]) -> None:
    """Store a secret, read from a hidden prompt (or standard input when piped)."""
    secret = _name(name)
    if sys.stdin.isatty():
        raw = typer.prompt(SPECS[secret].label, hide_input=True, confirmation_prompt=True)
    else:
        raw = sys.stdin.read().strip()
    if not raw.strip():
        err_console.print("[red]Empty value: nothing stored.[/red]")
        raise typer.Exit(2)
    try:
        value = checked(secret, SecretStr(raw))
    except InvalidSecretError as exc:
        err_console.print(f"[red]{exc.message}.[/red]")
        raise typer.Exit(2) from None
    vault = open_vault(_settings())

    async def store() -> None:
        try:
            await vault.set(secret, value)
        finally:
            await vault.aclose()

    _run(store())
    console.print(f"Stored {secret} in the {vault.name} vault ({vault.describe()}).")


@vault_app.command("list")
def list_secrets() -> None:
    """Show which secrets are set (at most their last four characters, never a value)."""
    vault = open_vault(_settings())

    async def contents() -> VaultContents:
        try:
            return await vault.items()
        finally:
            await vault.aclose()

    found = _run(contents())
    stored = {item.name: item for item in found}
    table = Table(title=f"Secrets: {vault.describe()}")
    for column in ("name", "what", "set", "ends with", "changed"):
        table.add_column(column)
    for name in SECRET_NAMES:
        item = stored.get(name)
        hint = last_four(item.value) if item else None
        changed = f"{item.updated_at:%Y-%m-%d %H:%M} UTC" if item and item.updated_at else ""
        state = "yes" if item else "damaged" if name in found.damaged else "no"
        table.add_row(name, SPECS[name].label, state, f"••••{hint}" if hint else "", changed)
    console.print(table)
    for reason in found.damaged.values():
        err_console.print(f"[yellow]{reason}[/yellow]")


@vault_app.command("delete")
def delete_secret(name: Annotated[str, typer.Argument(help=NAMES_HELP)]) -> None:
    """Delete a secret."""
    secret = _name(name)
    vault = open_vault(_settings())

    async def delete() -> bool:
        try:
            return await vault.delete(secret)
        finally:
            await vault.aclose()

    if not _run(delete()):
        err_console.print(f"{secret} was not set.")
        raise typer.Exit(1)
    console.print(f"Deleted {secret}.")


@vault_app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every secret of the local vault with a new master key."""
    from cryptodesk.vault.local import LocalVault

    settings = _settings()
    vault = open_vault(settings)
    if not isinstance(vault, LocalVault):
        err_console.print(
            f"[red]Only the local vault has a master key (backend: {vault.name}).[/red]"
        )
        raise typer.Exit(2)
    key, count = _run(vault.rotate_key())
    console.print(
        f"Rotated the master key ({key.source}, id {key.id}); {count} secret(s) re-encrypted."
    )
    if key.source == "env":
        # The key came from CRYPTODESK_MASTER_KEY, which CryptoDesk cannot change: hand it over.
        err_console.print(
            "[yellow]Set CRYPTODESK_MASTER_KEY to the new key below before the next start:[/yellow]"
        )
        sys.stdout.write(key.key.decode() + "\n")
