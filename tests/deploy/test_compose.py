"""The compose stacks, checked offline (no container engine here): what they promise in
docs/deploy.md holds in the files, and deploy/make_env.py writes secrets that fit them."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from cryptodesk.config import Settings
from tests.runtime.server import REPO

SINGLE = REPO / "docker-compose.yml"
REPLICAS = REPO / "compose.replicas.yml"
SECRET_NAME = re.compile(r"TOKEN|KEY|PASSWORD|SECRET|PASSPHRASE|DATABASE_URL")
PORT = 8500


def _compose(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _env_files(service: dict[str, Any]) -> list[str]:
    files = service.get("env_file", [])
    return [files] if isinstance(files, str) else list(files)


def _replicas(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("cryptodesk")
    }


def _env(path: str) -> dict[str, str]:
    lines = (REPO / path).read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("path", [SINGLE, REPLICAS], ids=lambda p: p.name)
def test_compose_keeps_secrets_out_of_the_file(path: Path) -> None:
    for name, service in _compose(path)["services"].items():
        for key, value in (service.get("environment") or {}).items():
            assert not SECRET_NAME.search(key), f"{name}: {key}={value} belongs in an env file"
        for env_file in _env_files(service):
            assert env_file.startswith("deploy/") and env_file.endswith(".env")
            assert (REPO / f"{env_file}.example").is_file(), f"{env_file}.example"
            example = _env(f"{env_file}.example")
            secrets = {k: v for k, v in example.items() if SECRET_NAME.search(k)}
            assert secrets, env_file
            assert all(not v or "PASSWORD" in v for v in secrets.values()), "an example is blank"
    real = ["deploy/cryptodesk.env", "deploy/postgres.env"]
    ignored = subprocess.run(
        ["git", "check-ignore", *real], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert ignored.stdout.split() == real, "the real env files must be git-ignored"


@pytest.mark.parametrize("path", [SINGLE, REPLICAS], ids=lambda p: p.name)
def test_compose_starts_cryptodesk_after_a_healthy_postgresql_with_named_volumes(
    path: Path,
) -> None:
    compose = _compose(path)
    db = compose["services"]["db"]
    assert re.fullmatch(r"postgres:1[67](\..*)?", db["image"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    named = set(compose["volumes"])
    for name, service in {"db": db, **_replicas(compose)}.items():
        for volume in service["volumes"]:
            source = volume.split(":", 1)[0]
            assert source in named, f"{name}: {volume} is not a named volume"
    assert "pgdata" in {v.split(":", 1)[0] for v in db["volumes"]}
    replicas = _replicas(compose)
    assert replicas
    for name, service in replicas.items():
        assert service["depends_on"]["db"]["condition"] == "service_healthy", name
        assert any(v.endswith(":/data") for v in service["volumes"]), name
        assert "deploy/cryptodesk.env" in _env_files(service)
        # Healthy means serving: what the proxy and `compose ps` wait for.
        assert "/api/v1/health" in " ".join(service["healthcheck"]["test"]), name
    assert _compose(SINGLE)["services"]["db"] == _compose(REPLICAS)["services"]["db"]


def test_compose_replicas_share_one_database_behind_the_proxy() -> None:
    compose = _compose(REPLICAS)
    replicas = _replicas(compose)
    assert len(replicas) >= 2
    for name, service in replicas.items():
        assert "ports" not in service, f"{name} must be reached through the proxy only"
        assert "CRYPTODESK_DATABASE_URL" not in (service.get("environment") or {})
    assert len({tuple(_env_files(s)) for s in replicas.values()}) == 1  # same database URL
    assert len({tuple(s["volumes"]) for s in replicas.values()}) == 1  # same vault file
    url = make_url(_env("deploy/cryptodesk.env.example")["CRYPTODESK_DATABASE_URL"])
    assert (url.drivername, url.host) == ("postgresql+asyncpg", "db")

    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("caddy:2")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    upstreams = proxy["environment"]["CRYPTODESK_UPSTREAMS"].split()
    assert upstreams == [f"{name}:{PORT}" for name in replicas]
    assert {n for n, d in proxy["depends_on"].items() if d["condition"] == "service_healthy"} == (
        set(replicas)
    )
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy {$CRYPTODESK_UPSTREAMS}" in caddyfile
    assert "lb_policy round_robin" in caddyfile


def test_make_env_writes_matching_secrets_once(tmp_path: Path) -> None:
    script = [sys.executable, str(REPO / "deploy" / "make_env.py"), str(tmp_path)]
    first = subprocess.run(script, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    cryptodesk, postgres = tmp_path / "cryptodesk.env", tmp_path / "postgres.env"
    for path in (cryptodesk, postgres):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    env = _env(str(cryptodesk))
    url = make_url(env["CRYPTODESK_DATABASE_URL"])
    assert url.password == _env(str(postgres))["POSTGRES_PASSWORD"]
    assert (url.username, url.host, url.database) == ("cryptodesk", "db", "cryptodesk")
    Fernet(env["CRYPTODESK_MASTER_KEY"].encode())  # a usable vault key
    settings = Settings(
        host="0.0.0.0",
        access_token=env["CRYPTODESK_ACCESS_TOKEN"],
        master_key=env["CRYPTODESK_MASTER_KEY"],
        database_url=env["CRYPTODESK_DATABASE_URL"],
        _env_file=None,  # type: ignore[call-arg]
    )
    assert settings.access_token is not None

    before = cryptodesk.read_text()
    again = subprocess.run(script, capture_output=True, text=True, check=False)
    assert again.returncode == 1 and "already" in again.stderr
    assert cryptodesk.read_text() == before
