"""`cryptodesk alerts list|add|pause|resume|rm|confirm`.

By default the commands work on the database of the configured data directory (the same one the
server uses), with the same checks as the API (the coin, the targets, a usable exchange for
funding rules): a running server's watcher picks the change up on its next price update.
With `--server URL` they call that server's REST API instead (a server on another machine, or
behind an access token).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import httpx
import typer
from pydantic import SecretStr, ValidationError
from rich.console import Console
from rich.table import Table

from cryptodesk.config import Settings
from cryptodesk.errors import CryptoDeskError
from cryptodesk.rules.conditions import Condition
from cryptodesk.runs.manager import RunManager
from cryptodesk.store.store import Store
from cryptodesk.watch.service import Services, WatchDesk

T = TypeVar("T")
Row = dict[str, Any]


@dataclass
class LocalDesk:
    """What the commands need of a desk, on the configured database, without the rest: no
    engines, no background jobs and, above all, no recovery of runs (a server may be running
    them right now)."""

    store: Store
    watch: WatchDesk


def run_local(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Opens the store, the vault, market data and the exchange; runs `work`; closes them."""
    from cryptodesk.filemodes import private_dir
    from cryptodesk.market.exchange_service import build_exchange
    from cryptodesk.market.service import build_market_service
    from cryptodesk.realtime.hub import Hub
    from cryptodesk.settings.service import SettingsService
    from cryptodesk.vault import open_vault

    async def main() -> T:
        private_dir(settings.data_dir)
        store = await Store.open(settings.resolved_database_url)
        service = SettingsService(settings, store.settings, open_vault(settings))
        current = await service.effective()
        market = build_market_service(current)
        exchange = build_exchange(current)

        def no_runs() -> RunManager:
            raise CryptoDeskError("the command line starts no analyses")

        services = Services(
            market=lambda: market,
            exchange=lambda: exchange,
            settings=lambda: current,
            runs=no_runs,
            vault=lambda: service.vault,
        )
        try:
            return await work(LocalDesk(store, WatchDesk(store, Hub(), services)))
        finally:
            await exchange.aclose()
            await market.aclose()
            await service.aclose()
            await store.close()

    return asyncio.run(main())


class Remote:
    """The same commands over a running server's REST API."""

    def __init__(self, server: str, token: SecretStr | None) -> None:
        base = server if "://" in server else f"http://{server}"
        base = base.replace("ws://", "http://").replace("wss://", "https://").rstrip("/")
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        self._http = httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=30)

    def call(self, method: str, path: str, body: Row | None = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise typer.BadParameter(f"cannot reach the server: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:200]
            raise CryptoDeskError(detail if isinstance(detail, str) else json.dumps(detail)[:300])
        return response.json() if response.content else None


def condition(kind: str, value: float, window: str | None, timeframe: str | None) -> Condition:
    try:
        return Condition.model_validate(
            {
                "kind": kind,
                "value": value,
                **({"window": window} if window else {}),
                **({"timeframe": timeframe} if timeframe else {}),
            }
        )
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]) for e in exc.errors())
        raise typer.BadParameter(reasons) from None


def show(console: Console, rules: list[Row]) -> None:
    if not rules:
        console.print("No alerts. Add one: cryptodesk alerts add BTC price_below 60000")
        return
    table = Table(title="Alerts", title_justify="left")
    for column in ("id", "rule", "status", "fired", "last fired", "targets", "follow-up"):
        table.add_column(column)
    for rule in rules:
        table.add_row(
            rule["id"],
            rule["label"],
            rule["status"],
            str(rule["fire_count"]),
            str(rule["last_fired_at"] or "never"),
            str(len(rule["target_ids"])),
            "yes" if rule["follow_up"] else "no",
        )
    console.print(table)


alerts_app = typer.Typer(
    help=(
        "Alert rules: list, add, pause, resume, rm, confirm. On the configured database, or "
        "a running server with --server."
    )
)
console = Console()
err_console = Console(stderr=True)
Server = Annotated[
    str | None,
    typer.Option("--server", help="A running server's URL (http://HOST:8500), not the database."),
]
KINDS = (
    "price_above, price_below, level_cross, pct_move, rsi_above, rsi_below, funding_above, "
    "funding_below or volume_spike"
)


def _settings() -> Settings:
    from cryptodesk.config import get_settings

    try:
        return get_settings()
    except ValueError as exc:
        err_console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


def _rows(rules: list[Any]) -> list[Row]:
    from cryptodesk.api.alerts import alert_out

    return [alert_out(rule).model_dump(mode="json") for rule in rules]


def _do(
    server: str | None, remote: Callable[[Remote], T], local: Callable[[Any], Awaitable[T]]
) -> T:
    settings = _settings()
    try:
        if server:
            return remote(Remote(server, settings.access_token))
        return run_local(settings, local)
    except CryptoDeskError as exc:
        err_console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None


@alerts_app.command("list")
def list_alerts(
    status: Annotated[
        str | None, typer.Option(help="Only this status (proposed, active, paused, done).")
    ] = None,
    server: Server = None,
) -> None:
    """List the alert rules."""

    async def local(desk: Any) -> list[Row]:
        statuses = (status,) if status else ("proposed", "active", "paused", "done")
        return _rows(await desk.store.alerts.listed(statuses))

    path = f"/alerts?status={status}" if status else "/alerts"
    show(console, _do(server, lambda r: r.call("GET", path), local))


@alerts_app.command("add")
def add_alert(
    symbol: Annotated[str, typer.Argument(help="The coin: BTC, ETH, solana...")],
    kind: Annotated[str, typer.Argument(help=KINDS)],
    value: Annotated[float, typer.Argument(help="USD, percent, RSI or a volume multiple.")],
    window: Annotated[str | None, typer.Option(help="pct_move: 5m, 15m, 1h, 4h, 24h.")] = None,
    timeframe: Annotated[str | None, typer.Option(help="RSI, volume_spike: 5m ... 1w.")] = None,
    target: Annotated[
        list[str] | None, typer.Option(help="A notification target id (repeatable).")
    ] = None,
    follow_up: Annotated[bool, typer.Option(help="Run an analysis when it fires.")] = False,
    once: Annotated[bool, typer.Option(help="Fire once, then stop.")] = False,
    cooldown: Annotated[int, typer.Option(min=0, help="Seconds without a 2nd firing.")] = 3600,
    server: Server = None,
) -> None:
    """Add an alert rule (active at once)."""
    from cryptodesk.watch.service import RuleRequest

    watched = condition(kind, value, window, timeframe)
    target = target or []
    body = {
        "symbol": symbol,
        "condition": watched.model_dump(exclude_none=True),
        "target_ids": target,
        "follow_up": follow_up,
        "once": once,
        "cooldown_s": cooldown,
    }

    async def local(desk: Any) -> Row:
        request = RuleRequest(symbol, watched, tuple(target), follow_up, once, cooldown)
        return _rows([await desk.watch.create_rule(request, origin="cli")])[0]

    rule = _do(server, lambda r: r.call("POST", "/alerts", body), local)
    console.print(f"Alert {rule['id']} {rule['status']}: {rule['label']}")


def _status_command(name: str, status: str, help_text: str) -> None:
    def command(
        alert_id: Annotated[str, typer.Argument(help="The alert's id (cryptodesk alerts list).")],
        server: Server = None,
    ) -> None:
        async def local(desk: Any) -> Row | None:
            rule = await desk.watch.set_rule_status(alert_id, status)
            return None if status == "deleted" else _rows([rule])[0]

        def remote(r: Remote) -> Row | None:
            if status == "deleted":
                return r.call("DELETE", f"/alerts/{alert_id}")  # type: ignore[no-any-return]
            return r.call("PATCH", f"/alerts/{alert_id}", {"status": status})  # type: ignore[no-any-return]

        rule = _do(server, remote, local)
        console.print(
            f"Alert {alert_id} deleted."
            if rule is None
            else f"Alert {alert_id} {rule['status']}: {rule['label']}"
        )

    command.__doc__ = help_text
    alerts_app.command(name)(command)


_status_command("pause", "paused", "Pause an alert (it keeps its history).")
_status_command("resume", "active", "Resume a paused alert.")
_status_command("confirm", "active", "Confirm an alert the chat proposed.")
_status_command("rm", "deleted", "Delete an alert (its notifications stay).")
