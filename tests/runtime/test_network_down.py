"""The whole desk on a machine without a network, through the real server and real sockets.

CoinGecko, the exchange (ccxt's real Bitget) and the LLM are configured but unreachable: a
closed loopback port (connection refused) or a `.invalid` host (DNS failure). Every question
still ends with a report, and nothing a user reads carries raw exception text: no errno, no URL,
no exception or ccxt class name. That text stays in the log and in error frames' `details`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from ccxt.base import errors as ccxt_errors

from cryptodesk.app import create_app
from tests.market.fake_coingecko import closed_port_url, market_settings
from tests.runtime.client import Frame, ask, chat
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running
from tests.unreachable import FAILURES, Failure, coingecko_url, unreachable_exchange

QUESTIONS = (
    "What is the price of Bitcoin?",
    "Analyze ETH on the 4h chart",
    "Compare SOL and AVAX this month",
    "Give me a market overview",
    "Show the BTC order book and funding rate",
)
CCXT_ERRORS = tuple(
    name
    for name, value in vars(ccxt_errors).items()
    if inspect.isclass(value) and issubclass(value, Exception)
)
RAW = ("Errno", "http", "Exception", "Traceback", *CCXT_ERRORS)
USER_FIELDS = ("message", "error", "content", "bottom_line", "result_preview")


def user_texts(frames: list[Frame]) -> list[str]:
    """Every text of a run that a user reads (not `details`, which holds the technical rest)."""
    return [str(f[k]) for f in frames for k in USER_FIELDS if f.get(k)]


@pytest.fixture(params=FAILURES)
def down_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    failure: Failure = request.param
    settings = market_settings(
        coingecko_url(failure),
        "auto",
        data_dir=tmp_path / "data",
        retry_max_attempts=4,  # the default: an unreachable host must not be retried anyway
        retry_max_wait_s=30.0,
    )
    app = create_app(settings, exchange=unreachable_exchange(failure, settings))
    with running(app) as server:
        yield server


async def ask_checked(server: LiveServer, question: str) -> list[Frame]:
    frames = await ask(server.ws, chat(question), timeout=60)
    run = [f for f in frames if f.get("seq") is not None]
    check_run(run, expect="completed")
    return run


async def test_network_down_every_question_is_answered_in_plain_words(
    down_server: LiveServer,
) -> None:
    for question in QUESTIONS:
        run = await ask_checked(down_server, question)
        texts = user_texts(run)
        for word in RAW:
            leaked = [text for text in texts if word in text]
            assert not leaked, (question, word, leaked)
        result = run[-2]
        if "order book" in question:
            errors = {f["error"] for f in run if f["type"] == "tool_result" and f["error"]}
            assert errors == {"Bitget is not reachable from this machine"}
        else:
            assert "fallback" in result["data_labels"], question


async def test_network_down_llm_failure_is_a_plain_error_frame_with_details(
    tmp_path: Path,
) -> None:
    settings = market_settings(
        coingecko_url("refused"),
        "auto",
        data_dir=tmp_path / "data",
        engine="magentic",
        llm_provider="openai-compatible",
        llm_base_url=closed_port_url().removesuffix("/api/v3") + "/v1",
        llm_model="local-model",
        llm_max_retries=0,
    )
    with running(create_app(settings, exchange=unreachable_exchange("refused"))) as server:
        run = await ask_checked(server, "Analyze BTC on the 4h chart")
    errors = [f for f in run if f["type"] == "error"]
    assert [e["code"] for e in errors] == ["llm_unavailable"]
    assert errors[0]["message"] == (
        "The LLM (the OpenAI-compatible server) is not reachable from this machine. "
        "The offline analyst answers instead."
    )
    assert "http://127.0.0.1:" in errors[0]["details"]  # where it was tried, for diagnosis
    for word in RAW:
        assert not any(word in text for text in user_texts(run)), word
