"""The OpenAPI document against the running server, driven by schemathesis.

Every operation gets generated requests, valid and invalid, against a real uvicorn server on
loopback (offline analyst, demo market, no access token). Every answer must conform to the
document: no 500, a declared status code, a declared content type, a body and headers that
match the declared schema. Everything that would leave the machine goes to loopback fakes: an
OpenAI-compatible LLM server, a CoinGecko server, an offline Bitget exchange.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, settings

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.market.exchange_service import ExchangeService, build_exchange
from cryptodesk.market.retry import RetryPolicy
from tests.engines.magentic.fake_llm import fake_llm_server
from tests.market.fake_coingecko import FakeCoinGecko
from tests.offline_bitget import NOW, OfflineBitget, Script, Sleeps
from tests.runtime.client import ask, chat
from tests.runtime.server import LiveServer, running

EXAMPLES_PER_OPERATION = 25

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True},
        "operations": [
            {
                # The settings have rules across fields (a provider needs a model, replay needs
                # a folder) that JSON Schema cannot state: a schema-valid body may get a 422
                # with a reason per field. Every other check applies to this operation.
                "include-method": "PUT",
                "include-path": "/api/v1/settings",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # The same across query parameters: `since` must be before `until`.
                "include-method": "GET",
                "include-path-regex": "^/api/v1/calls(/summary)?$",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            # The watcher's bodies name things JSON Schema cannot check: a coin the market must
            # know, an Apprise URL, a cron expression that matches, a threshold in its kind's
            # range. A schema-valid body may get a 422 with the reason; every other check applies.
            *(
                {
                    "include-method": "POST",
                    "include-path": path,
                    "checks": {"positive_data_acceptance": {"enabled": False}},
                }
                for path in (
                    "/api/v1/watchlist",
                    "/api/v1/alerts",
                    "/api/v1/notify/targets",
                    "/api/v1/schedules",
                )
            ),
        ],
    }
)

# The document the server serves (`test_served_document_is_the_one_tested` checks it).
DOCUMENT = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@schemathesis.deserializer("text/markdown")
def _markdown(_ctx: Any, response: schemathesis.Response) -> str:
    return response.content.decode("utf-8")


def _offline_exchange(settings: Settings) -> ExchangeService:
    return build_exchange(
        settings,
        exchange_factory=lambda _id, config: OfflineBitget(config, Script()),
        retry=RetryPolicy(max_attempts=1, max_wait_s=0.0, sleep=Sleeps()),
        clock=lambda: NOW,
    )


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, coingecko_server: FakeCoinGecko
) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    with fake_llm_server() as llm:
        settings = Settings(
            data_dir=root / "data",
            vault_key_file=root / "config" / "master.key",
            vault_keyring=False,
            master_key=Fernet.generate_key().decode(),
            market_data="demo",
            engine="offline",
            llm_base_url=llm.openai_url,  # any provider the fuzzer picks probes loopback
            ollama_url="http://127.0.0.1:9",
            coingecko_base_url=coingecko_server.url,
            _env_file=None,  # type: ignore[call-arg]
        )
        with running(create_app(settings, exchange_builder=_offline_exchange)) as server:
            yield server


@pytest.fixture(scope="module")
def known_ids(fuzz_server: LiveServer) -> dict[str, str]:
    """Ids that exist, so generated requests also reach past the 404s."""
    frames = asyncio.run(ask(fuzz_server.ws, chat("Analyze BTC on the 4h chart with RSI")))
    chart = next(f for f in frames if f["type"] == "chart_generated")
    return {
        "conversation_id": frames[0]["conversation_id"],
        "run_id": frames[0]["run_id"],
        "chart_id": chart["chart_id"],
    }


def test_served_document_is_the_one_tested(fuzz_server: LiveServer) -> None:
    assert httpx.get(f"{fuzz_server.http}/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(
    case: schemathesis.Case, fuzz_server: LiveServer, known_ids: dict[str, str]
) -> None:
    # About half the generated ids are swapped for real ones (decided by the generated value,
    # so a run is reproducible); a DELETE keeps its generated id so the data stays for others.
    for name, value in list((case.path_parameters or {}).items()):
        real = known_ids.get(name)
        if real and case.method != "DELETE" and zlib.crc32(str(value).encode()) % 2:
            case.path_parameters[name] = real  # type: ignore[index]
    case.call_and_validate(base_url=fuzz_server.http, timeout=30)
