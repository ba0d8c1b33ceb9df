"""A real full disk: the server's data directory on a small tmpfs that a run fills up.

The run ends `failed` once (for its live subscriber and for a resume), writes answer 507 or 503
with a JSON reason, the vault leaves no temporary file, and once space is freed the stored log
holds the whole run. Needs `mount -t tmpfs` (root or CAP_SYS_ADMIN); skipped where it is not
allowed.
"""

from __future__ import annotations

import asyncio
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.runtime.client import ask, chat, connect, recv, run_to_end, without_replay_flag
from tests.runtime.filling import FillingEngine
from tests.runtime.invariants import check_run
from tests.runtime.server import running
from tests.runtime.test_storage_failures import until_stored
from tests.shared import shared_market_path

DISK_SIZE = "6m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if not sys.platform.startswith("linux"):
        pytest.skip("the disk-full test mounts a Linux tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE},mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a small tmpfs here ({done.stderr.strip() or done.returncode}): "
            "the disk-full test needs root or CAP_SYS_ADMIN"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """Writes a file until the disk has no byte left; returns it (delete it to free the disk)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return filler


async def test_disk_full_during_a_run(small_disk: Path, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=small_disk / "data",
        vault_key_file=tmp_path / "config" / "master.key",
        vault_keyring=False,
        master_key=Fernet.generate_key().decode(),
        market_data="replay",
        replay_dir=shared_market_path() / "binance_spot_1h",
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = FillingEngine(delta_bytes=4000)
    fillers: list[Path] = []

    async def fill_at(step: int) -> None:
        if step == 5:
            fillers.append(await asyncio.to_thread(fill, small_disk))

    engine.on_step = fill_at
    url = settings.resolved_database_url
    with running(create_app(settings, engine_for=lambda _c: engine)) as server:
        frames = await ask(server.ws)
        check_run(frames, expect="failed")
        assert (frames[-2]["code"], frames[-2]["recoverable"]) == ("storage_failed", False)
        run_id, conversation_id = frames[0]["run_id"], frames[0]["conversation_id"]

        async with connect(f"{server.ws}?run_id={run_id}&after_seq=3") as ws:
            await recv(ws)
            resumed = await run_to_end(ws)
        assert without_replay_flag(resumed) == without_replay_flag(frames[3:])

        renamed = httpx.patch(
            f"{server.http}/api/v1/conversations/{conversation_id}", json={"title": "renamed"}
        )
        assert renamed.status_code in (503, 507), renamed.text
        assert renamed.headers["content-type"] == "application/json"
        assert renamed.json()["code"] in ("storage_full", "storage_failed")
        assert "cryptodesk.db" in renamed.json()["detail"]

        secret = httpx.put(
            f"{server.http}/api/v1/settings/secrets/coingecko_api_key",
            json={"value": "CG-0123456789abcdef"},
        )
        assert secret.status_code in (503, 507), secret.text
        assert secret.json()["code"] in ("storage_full", "storage_failed")
        assert "CG-0123456789abcdef" not in secret.text
        changed = httpx.put(f"{server.http}/api/v1/settings", json={"max_turns": 7})
        assert changed.status_code in (503, 507), changed.text
        assert changed.json()["code"] in ("storage_full", "storage_failed")
        assert sorted(p.name for p in settings.data_dir.glob("*.tmp")) == []
        assert sorted(p.name for p in settings.data_dir.glob(".secrets.json.*")) == []

        fillers[0].unlink()  # space again
        assert await until_stored(url, run_id) == frames
        renamed = httpx.patch(
            f"{server.http}/api/v1/conversations/{conversation_id}", json={"title": "renamed"}
        )
        assert renamed.status_code == 200
        secret = httpx.put(
            f"{server.http}/api/v1/settings/secrets/coingecko_api_key",
            json={"value": "CG-0123456789abcdef"},
        )
        assert secret.status_code == 200 and secret.json()["is_set"] is True
        engine.on_step, engine.steps = None, 3
        again = await ask(server.ws, chat("Again?", conversation_id=conversation_id))
        check_run(again, expect="completed")
