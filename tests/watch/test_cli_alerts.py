"""`cryptodesk alerts` as a user runs it (a real subprocess): on the configured database, and
against a running server with --server; bad input gets a message and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptodesk.app import create_app
from tests.runtime.server import running
from tests.shared import shared_market_path
from tests.test_cli import cli
from tests.watch.api import get
from tests.watch.conftest import until, watch_settings


def env(tmp_path: Path) -> dict[str, str]:
    return {
        "CRYPTODESK_DATA_DIR": str(tmp_path / "data"),
        "CRYPTODESK_MARKET_DATA": "replay",
        "CRYPTODESK_REPLAY_DIR": str(shared_market_path() / "binance_spot_1h"),
        "CRYPTODESK_ENGINE": "offline",
        "CRYPTODESK_VAULT_KEY_FILE": str(tmp_path / "master.key"),
        "CRYPTODESK_VAULT_KEYRING": "false",
    }


# Each command is a fresh Python process that imports the desk and opens the database: seconds
# apiece on a busy machine, and a test runs up to seven of them.
pytestmark = pytest.mark.timeout(300)


def test_cli_alerts_add_pause_resume_rm_on_the_database(tmp_path: Path) -> None:
    variables = env(tmp_path)
    added = cli("alerts", "add", "BTC", "price_below", "60000", "--cooldown", "600", env=variables)
    assert added.returncode == 0, added.stderr
    assert "active: BTC price below $60,000.00" in added.stdout
    alert_id = added.stdout.split()[1]
    listed = cli("alerts", "list", env=variables)
    assert alert_id in listed.stdout and "BTC price below $60,000.00" in listed.stdout
    paused = cli("alerts", "pause", alert_id, env=variables)
    assert f"Alert {alert_id} paused" in paused.stdout
    assert "paused" in cli("alerts", "list", "--status", "paused", env=variables).stdout
    assert f"Alert {alert_id} active" in cli("alerts", "resume", alert_id, env=variables).stdout
    assert f"Alert {alert_id} deleted." in cli("alerts", "rm", alert_id, env=variables).stdout
    assert "No alerts." in cli("alerts", "list", env=variables).stdout


def test_cli_alerts_bad_input_says_why_and_stores_nothing(tmp_path: Path) -> None:
    variables = env(tmp_path)
    unknown = cli("alerts", "add", "NOTACOIN", "price_below", "1", env=variables)
    assert unknown.returncode == 1 and "unknown coin 'NOTACOIN'" in unknown.stderr
    kind = cli("alerts", "add", "BTC", "price_sideways", "1", env=variables)
    assert kind.returncode == 2 and "price_above" in kind.stderr
    rsi = cli("alerts", "add", "BTC", "rsi_above", "170", env=variables)
    assert rsi.returncode == 2 and "between 0 and 100" in rsi.stderr
    assert cli("alerts", "rm", "nope", env=variables).returncode == 1
    assert "No alerts." in cli("alerts", "list", env=variables).stdout


def test_cli_alerts_against_a_running_server(tmp_path: Path) -> None:
    settings = watch_settings(
        tmp_path,
        "http://127.0.0.1:9/api/v3",
        market_data="replay",
        replay_dir=shared_market_path() / "binance_spot_1h",
    )
    with running(create_app(settings)) as server:
        other = tmp_path / "elsewhere"  # the command's own data dir stays untouched
        added = cli(
            "alerts",
            "add",
            "ETH",
            "price_above",
            "1000",
            "--once",
            "--server",
            server.http,
            env=env(other),
        )
        assert added.returncode == 0, added.stderr
        alert_id = added.stdout.split()[1]
        assert get(server, f"/alerts/{alert_id}")["once"] is True
        fired = until(lambda: get(server, f"/alerts/{alert_id}")["status"] == "done")
        assert fired
        listed = cli("alerts", "list", "--server", server.http, env=env(other))
        assert "done" in listed.stdout
        assert not (other / "data" / "cryptodesk.db").exists()
