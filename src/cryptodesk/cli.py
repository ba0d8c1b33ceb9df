"""The `cryptodesk` command: serve, ask, doctor, vault, calls, backtest, alerts, protocol-schema,
openapi-schema, chart-schema, settings-doc."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cryptodesk import __version__
from cryptodesk.config import Settings, get_settings
from cryptodesk.errors import StorageError
from cryptodesk.realtime.protocol import MAX_MESSAGE_CHARS, protocol_schema
from cryptodesk.terminal.alerts import alerts_app
from cryptodesk.terminal.vault import vault_app

app = typer.Typer(
    name="cryptodesk",
    help="CryptoDesk: a live multi-agent crypto analysis desk.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(vault_app, name="vault")
calls_app = typer.Typer(help="The track record's calls.", no_args_is_help=True)
app.add_typer(calls_app, name="calls")
app.add_typer(alerts_app, name="alerts")
console = Console()
err_console = Console(stderr=True)


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _verify_database(settings: Settings) -> None:
    """Exits with one paragraph (no traceback) when the database cannot be used, or when it
    is a SQLite file another server is serving."""
    from cryptodesk.filemodes import private_dir
    from cryptodesk.store.db import sqlite_path
    from cryptodesk.store.servinglock import ServingLock
    from cryptodesk.store.store import Store

    private_dir(settings.data_dir)
    path = sqlite_path(settings.resolved_database_url)
    lock = ServingLock(path) if path is not None else None
    try:
        if lock is not None:
            lock.acquire()  # checked before anything touches the file; the app takes it again
        asyncio.run(Store.verify(settings.resolved_database_url))
    except StorageError as exc:
        err_console.print(storage_advice(exc, settings), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        if lock is not None:
            lock.release()


def storage_advice(exc: Exception, settings: Settings) -> str:
    """What is wrong with the database and what to do, in one paragraph."""
    from cryptodesk.errors import DatabaseInUseError, StorageCorruptError, StorageFullError
    from cryptodesk.store.db import sqlite_path

    text = f"CryptoDesk cannot use its database: {exc}. Nothing was changed."
    path = sqlite_path(settings.resolved_database_url)
    if isinstance(exc, StorageCorruptError) and path is not None:
        text += (
            f" To start with an empty database instead, stop every CryptoDesk process and move "
            f"the file away with its -wal and -shm files (for example: mv {path} "
            f"{path}.damaged). The conversations in it are then no longer shown; the settings "
            "stored in it return to their defaults; the secrets in the vault are not affected."
        )
    elif isinstance(exc, StorageFullError):
        text += " Free some space on that disk, then start CryptoDesk again."
    elif isinstance(exc, DatabaseInUseError):
        text += (
            " To ask the server that is running, use cryptodesk ask --server "
            "ws://127.0.0.1:8500 (its address)."
        )
    return text


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        err_console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default from settings).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8500).")] = None,
) -> None:
    """Run the CryptoDesk server (API, WebSocket and web app)."""
    import uvicorn

    from cryptodesk.app import create_app
    from cryptodesk.serving import UVICORN_OPTIONS

    settings = _settings()
    given = {name: value for name, value in (("host", host), ("port", port)) if value is not None}
    if given:
        try:
            settings = settings.with_changes(**given)
        except ValueError as exc:
            err_console.print(f"[red]Invalid settings:[/red] {exc}")
            raise typer.Exit(2) from exc
    _logging(settings)
    _verify_database(settings)
    uvicorn.run(
        create_app(settings, settle_heap=True),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        **UVICORN_OPTIONS,
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The market question.")],
    json_lines: Annotated[
        bool, typer.Option("--json", help="Print the protocol frames as JSON lines.")
    ] = False,
    server: Annotated[
        str | None,
        typer.Option(help="Ask a running server over its WebSocket, e.g. ws://127.0.0.1:8500."),
    ] = None,
    conversation: Annotated[str | None, typer.Option(help="Continue this conversation id.")] = None,
) -> None:
    """Ask a question and watch the agents work, live."""
    from cryptodesk.terminal.ask import ask_in_process, ask_over_websocket
    from cryptodesk.terminal.logbuffer import held_logs
    from cryptodesk.terminal.view import FrameView

    if not question.strip() or len(question) > MAX_MESSAGE_CHARS:
        err_console.print(f"[red]The question must be 1..{MAX_MESSAGE_CHARS} characters.[/red]")
        raise typer.Exit(2)
    view = FrameView(console, json_lines=json_lines)
    settings = _settings()
    # The live view and log lines must not interleave: the log waits until the run ended (with
    # --json the frames own stdout, and the log keeps going to stderr as it happens).
    logs = contextlib.nullcontext() if json_lines else held_logs(err_console)
    try:
        with logs:
            if server:
                ok = asyncio.run(
                    ask_over_websocket(server, question, conversation, view, settings.access_token)
                )
            else:
                ok = asyncio.run(ask_in_process(settings, question, conversation, view))
    except KeyboardInterrupt:
        err_console.print("[yellow]Interrupted.[/yellow]")
        raise typer.Exit(130) from None
    except StorageError as exc:  # the in-process desk could not open its database
        err_console.print(storage_advice(exc, settings), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    raise typer.Exit(0 if ok else 1)


@app.command()
def doctor() -> None:
    """Show what is configured and what is reachable."""
    from cryptodesk.terminal.doctor import run_doctor

    # The table reports every failure; the log would only repeat them above it.
    logging.basicConfig(level=logging.ERROR)
    ok = asyncio.run(run_doctor(_settings(), console))
    raise typer.Exit(0 if ok else 1)


@calls_app.command("evaluate")
def calls_evaluate(
    json_out: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Settle every call whose horizon has traded, now (the server also does on a schedule)."""
    from cryptodesk.terminal.record import evaluate_command

    settings = _settings()
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(evaluate_command(settings, console, json_out=json_out))
    except StorageError as exc:
        err_console.print(storage_advice(exc, settings), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


Asset = Annotated[str | None, typer.Option(help="A symbol (BTC) or coin id (bitcoin).")]
TimeframeOpt = Annotated[str | None, typer.Option("--timeframe", help="e.g. 4h.")]
EngineOpt = Annotated[str | None, typer.Option(help="offline or magentic.")]
Since = Annotated[str | None, typer.Option(help="As-of from this date (UTC), e.g. 2026-05-01.")]
Until = Annotated[str | None, typer.Option(help="As-of before this date (UTC).")]
BacktestOpt = Annotated[
    str | None,
    typer.Option(help="A saved backtest's name or id: its calls instead of the answers'."),
]


def _calls_command(settings: Settings, command: Coroutine[Any, Any, None]) -> None:
    from cryptodesk.terminal.record import BadInput

    try:
        asyncio.run(command)
    except BadInput as exc:
        err_console.print(f"[red]Cannot list the calls:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except StorageError as exc:
        err_console.print(storage_advice(exc, settings), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@calls_app.command("list")
def calls_list(
    asset: Asset = None,
    timeframe: TimeframeOpt = None,
    engine: EngineOpt = None,
    outcome: Annotated[
        str | None, typer.Option(help="hit, invalidated, expired_in_favour, miss, neutral_…")
    ] = None,
    status: Annotated[str | None, typer.Option(help="pending, settled or void.")] = None,
    since: Since = None,
    until: Until = None,
    backtest: BacktestOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="Calls shown (newest first).")] = 20,
    json_lines: Annotated[
        bool,
        typer.Option("--json", help="Export: every matching call as a JSON line, then a summary."),
    ] = False,
) -> None:
    """The stored calls with their outcomes (or why they are pending)."""
    from cryptodesk.terminal.calls import CallsArgs, list_command

    settings = _settings()
    logging.basicConfig(level=logging.WARNING)
    args = CallsArgs(asset, timeframe, engine, outcome, status, since, until, backtest)
    _calls_command(
        settings, list_command(settings, args, console, limit=limit, json_lines=json_lines)
    )


@calls_app.command("summary")
def calls_summary(
    asset: Asset = None,
    timeframe: TimeframeOpt = None,
    engine: EngineOpt = None,
    since: Since = None,
    until: Until = None,
    backtest: BacktestOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
) -> None:
    """Hit rates, returns and calibration per engine and timeframe, next to the baselines."""
    from cryptodesk.terminal.calls import CallsArgs, summary_command

    settings = _settings()
    logging.basicConfig(level=logging.WARNING)
    args = CallsArgs(asset, timeframe, engine, None, None, since, until, backtest)
    _calls_command(settings, summary_command(settings, args, console, json_out=json_out))


@app.command()
def backtest(
    symbols: Annotated[str, typer.Option(help="Coins, comma-separated, e.g. BTC or BTC,ETH.")],
    start: Annotated[str, typer.Option(help="First call, e.g. 2025-09-01 (UTC).")],
    end: Annotated[str, typer.Option(help="Last call, e.g. 2026-06-01 (UTC).")],
    timeframe: Annotated[str, typer.Option(help="Candle timeframe of the calls.")] = "4h",
    every: Annotated[
        str | None, typer.Option(help="Time between calls, e.g. 1d (default: every candle).")
    ] = None,
    json_lines: Annotated[
        bool, typer.Option("--json", help="One JSON object per call, then the summary.")
    ] = False,
    save: Annotated[
        str | None, typer.Option(help="Save as a named backtest (shown in the web app).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="Folder of replay CSVs (default: CRYPTODESK_REPLAY_DIR).")
    ] = None,
) -> None:
    """Replay history and judge the offline analyst's calls, point in time (no look-ahead)."""
    from cryptodesk.terminal.record import BacktestArgs, BadInput, backtest_command

    settings = _settings()
    logging.basicConfig(level=logging.WARNING)
    args = BacktestArgs(symbols, timeframe, start, end, every, data, save)
    if save is not None and not 1 <= len(save.strip()) <= 100:
        err_console.print(
            "[red]Cannot run the backtest:[/red] --save needs a name of 1-100 characters"
        )
        raise typer.Exit(2)
    try:
        asyncio.run(backtest_command(settings, args, console, json_lines=json_lines))
    except BadInput as exc:
        err_console.print(f"[red]Cannot run the backtest:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except StorageError as exc:
        err_console.print(storage_advice(exc, settings), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@app.command("protocol-schema")
def protocol_schema_cmd() -> None:
    """Print the JSON Schema of the WebSocket protocol."""
    sys.stdout.write(json.dumps(protocol_schema(), indent=2) + "\n")


@app.command("openapi-schema")
def openapi_schema_cmd() -> None:
    """Print the OpenAPI document of the REST API (without starting a server)."""
    from cryptodesk.app import create_app

    document = create_app(Settings(_env_file=None)).openapi()
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")


@app.command("chart-schema")
def chart_schema_cmd() -> None:
    """Print the JSON Schema of a chart spec (the `spec` of `GET /api/v1/charts/{id}`)."""
    from cryptodesk.charts.spec import ChartSpec

    schema = ChartSpec.model_json_schema(mode="serialization")
    sys.stdout.write(json.dumps(schema, indent=2) + "\n")


@app.command("settings-doc")
def settings_doc() -> None:
    """Print the table of settings (environment variables) as markdown."""
    from cryptodesk.config import settings_table

    sys.stdout.write(settings_table() + "\n")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


def main() -> None:
    app()
