"""How the server process is set up: the start-up heap is settled out of the collector's view."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CODE = """
import gc, sys
from fastapi.testclient import TestClient
from cryptodesk.app import create_app
from cryptodesk.config import Settings

settings = Settings(_env_file=None, data_dir=sys.argv[1], market_data="demo", engine="offline")
app = create_app(settings, settle_heap=sys.argv[2] == "1")
with TestClient(app, base_url="http://127.0.0.1") as client:
    assert client.get("/api/v1/health/ready").status_code == 200
    print(gc.get_freeze_count())
"""


@pytest.mark.parametrize("settle", [True, False])
def test_settle_heap_freezes_what_start_up_built(tmp_path: Path, settle: bool) -> None:
    # gc.freeze() is process-wide, so each case runs in a fresh interpreter.
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path), "1" if settle else "0"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    frozen = int(out.stdout.split()[-1])
    if settle:
        assert frozen > 50_000  # the modules, the app and its services
    else:
        assert frozen == 0
