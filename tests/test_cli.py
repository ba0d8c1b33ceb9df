"""The `cryptodesk` command as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from cryptodesk.realtime.closecodes import RECONNECT_CODES, CloseCode
from tests.market.fake_coingecko import closed_port_url
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer
from tests.shared import shared_market_path

REPO = Path(__file__).resolve().parents[1]


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cryptodesk", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
        check=False,
    )


def test_openapi_schema_prints_the_rest_api_without_a_server(tmp_path: Path) -> None:
    result = cli("openapi-schema", env={"CRYPTODESK_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert "/api/v1/runs/{run_id}/events" in document["paths"]
    assert "ConversationDetail" in document["components"]["schemas"]
    assert not (tmp_path / "data").exists(), "printing the schema must not open the database"


def test_chart_schema_describes_the_chart_spec() -> None:
    result = cli("chart-schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert {"candles", "overlays", "panes", "levels", "markers"} <= set(schema["properties"])


@pytest.fixture
def replay_env(tmp_path: Path) -> dict[str, str]:
    return {
        "CRYPTODESK_DATA_DIR": str(tmp_path / "data"),
        "CRYPTODESK_MARKET_DATA": "replay",
        "CRYPTODESK_REPLAY_DIR": str(shared_market_path() / "binance_spot_1h"),
    }


def test_protocol_schema_validates_the_seed_frames() -> None:
    result = cli("protocol-schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    client = {"$defs": schema["$defs"], **schema["$defs"]["ClientFrame"]}
    for frame in (
        {"type": "chat", "payload": {"message": "What is the price of Bitcoin?"}},
        {"type": "cancel", "payload": {}},
        {"type": "ping", "payload": {}},
    ):
        jsonschema.validate(frame, client)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "chat", "payload": {"message": ""}}, client)
    server = {"$defs": schema["$defs"], **schema["$defs"]["ServerFrame"]}
    jsonschema.validate({"type": "ping", "timestamp": "2026-01-01T00:00:00Z", "v": 1}, server)


def test_protocol_schema_exports_the_close_codes_the_docs_list() -> None:
    schema = json.loads(cli("protocol-schema").stdout)["$defs"]
    codes = dict(zip(schema["CloseCode"]["x-names"], schema["CloseCode"]["enum"], strict=True))
    assert codes == {c.name: int(c) for c in CloseCode}
    reconnect = set(schema["ReconnectCloseCode"]["enum"])
    assert reconnect == {int(c) for c in RECONNECT_CODES}
    docs = " ".join((REPO / "docs" / "protocol.md").read_text().split())
    listed = re.search(
        r"Clients reconnect on ([\d, and]+) \(with `after_seq`\), and not on ([\d, or]+)\.", docs
    )
    assert listed, "docs/protocol.md no longer lists the codes clients reconnect on"
    again, never = ({int(n) for n in re.findall(r"\d+", part)} for part in listed.groups())
    assert again == reconnect
    assert never == set(codes.values()) - reconnect


def test_ask_json_prints_a_complete_run(replay_env: dict[str, str]) -> None:
    result = cli("ask", "--json", "Analyze BTC on the 4h chart with RSI and MACD", env=replay_env)
    assert result.returncode == 0, result.stderr
    frames = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert frames[0]["status"] == "connected"
    run = frames[1:]
    check_run(run, expect="completed")
    assert any(f["type"] == "chart_generated" for f in run)


def test_ask_shows_steps_and_the_report(replay_env: dict[str, str]) -> None:
    result = cli("ask", "What is the price of Bitcoin?", env=replay_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "CryptoMarketAnalyst" in out
    assert "get_crypto_price" in out
    assert "Report written" in out
    assert out.rstrip().endswith("● ✅ Answered")  # the answer kind, not "Analysis completed"


def test_ask_with_the_network_down_prints_the_log_after_the_live_view(tmp_path: Path) -> None:
    env = {
        "CRYPTODESK_DATA_DIR": str(tmp_path / "data"),
        "CRYPTODESK_MARKET_DATA": "auto",
        "CRYPTODESK_COINGECKO_BASE_URL": closed_port_url(),
    }
    result = subprocess.run(
        [sys.executable, "-m", "cryptodesk", "ask", "What is the price of Bitcoin?"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in the order a terminal would show it
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "120", **env},
        check=False,
    )
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    answered = lines.index("● ✅ Answered")
    assert lines[answered + 1] == "Logged during the run (1):"
    assert "WARNING cryptodesk.market.circuit: CoinGecko is not reachable" in lines[answered + 2]
    assert not any("WARNING" in line for line in lines[:answered])  # none inside the view


def test_ask_keeps_the_conversation_for_later(replay_env: dict[str, str]) -> None:
    first = cli("ask", "--json", "price of ETH", env=replay_env)
    conversation_id = json.loads(first.stdout.splitlines()[1])["conversation_id"]
    second = cli("ask", "--json", "--conversation", conversation_id, "and SOL?", env=replay_env)
    assert second.returncode == 0, second.stderr
    frames = [json.loads(line) for line in second.stdout.splitlines()[1:]]
    assert {f["conversation_id"] for f in frames} == {conversation_id}


def test_ask_over_websocket_against_a_running_server(offline_server: LiveServer) -> None:
    result = cli(
        "ask", "--json", "--server", f"ws://127.0.0.1:{offline_server.port}", "price of SOL"
    )
    assert result.returncode == 0, result.stderr
    frames = [json.loads(line) for line in result.stdout.splitlines()]
    check_run(frames[1:], expect="completed")


def test_ask_over_websocket_shows_the_answer_kind(offline_server: LiveServer) -> None:
    result = cli("ask", "--server", f"ws://127.0.0.1:{offline_server.port}", "price of SOL")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("● ✅ Answered")


@pytest.mark.parametrize("question", ["", "   ", "x" * 8001])
def test_ask_rejects_bad_questions(question: str, replay_env: dict[str, str]) -> None:
    result = cli("ask", question, env=replay_env)
    assert result.returncode == 2
    assert "1..8000 characters" in result.stderr


def test_ask_server_unreachable_is_a_clear_message() -> None:
    result = cli("ask", "--server", "ws://127.0.0.1:9", "price of BTC")
    assert result.returncode != 0
    assert "cannot reach" in result.stderr


def test_doctor_reports_a_working_setup(replay_env: dict[str, str]) -> None:
    result = cli("doctor", env=replay_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database" in result.stdout
    assert "replay" in result.stdout
    assert "not running" in result.stdout


def test_doctor_fails_on_replay_without_a_folder(tmp_path: Path) -> None:
    env = {"CRYPTODESK_DATA_DIR": str(tmp_path), "CRYPTODESK_MARKET_DATA": "replay"}
    result = cli("doctor", env=env)
    assert result.returncode == 1
    assert "CRYPTODESK_REPLAY_DIR" in result.stdout


def test_invalid_setting_is_a_clear_message(tmp_path: Path) -> None:
    env = {"CRYPTODESK_DATA_DIR": str(tmp_path), "CRYPTODESK_MARKET_DATA": "sometimes"}
    result = cli("doctor", env=env)
    assert result.returncode == 2
    assert "market_data" in result.stderr


async def _damaged_database(path: Path) -> None:
    from cryptodesk.store.store import Store
    from tests.runtime.test_corrupt_database import damage_table

    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    await store.close()
    damage_table(path, "runs")


@pytest.mark.parametrize("damage", ["not a database", "a damaged table"])
async def test_serve_on_a_damaged_database_explains_in_one_paragraph(
    tmp_path: Path, damage: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database = data / "cryptodesk.db"
    if damage == "not a database":
        database.write_bytes(os.urandom(20_000))
    else:
        await _damaged_database(database)
    before = database.read_bytes()
    result = cli(
        "serve",
        "--port",
        "1",  # never bound: the check comes first
        env={"CRYPTODESK_DATA_DIR": str(data), "CRYPTODESK_MARKET_DATA": "demo"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "CryptoDesk cannot use its database: the database" in result.stderr
    message = result.stderr[result.stderr.index("CryptoDesk cannot use") :].strip()
    assert str(database) in message and "mv " in message and "backup" in message
    reason = "not a SQLite database" if damage == "not a database" else "damaged"
    assert reason in message
    assert len(message.splitlines()) <= 3  # one paragraph (soft-wrapped by the terminal)
    assert database.read_bytes() == before  # nothing was changed


def test_ask_on_a_damaged_database_explains_in_one_paragraph(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "cryptodesk.db").write_bytes(os.urandom(20_000))
    result = cli(
        "ask",
        "price of BTC",
        env={"CRYPTODESK_DATA_DIR": str(data), "CRYPTODESK_MARKET_DATA": "demo"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "CryptoDesk cannot use its database" in result.stderr
    assert "not a SQLite database" in result.stderr
