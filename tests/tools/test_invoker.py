from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import BaseModel

from cryptodesk.domain.events import ChartCreated, ToolCalled, ToolFinished
from cryptodesk.errors import CoinNotFoundError, UpstreamUnreachableError
from cryptodesk.redaction import REDACTED
from cryptodesk.tools.base import Tool, ToolContext, ToolResult
from cryptodesk.tools.invoker import ToolInvoker
from cryptodesk.tools.registry import ToolRegistry, build_registry
from tests.fakes import RecordingSink


class _Nothing(BaseModel):
    pass


class _Slept(ToolResult):
    def summary(self) -> str:
        return "slept"


async def _sleep(context: ToolContext, args: _Nothing) -> _Slept:
    await asyncio.sleep(10)
    return _Slept(simulated=False)


async def _explode(context: ToolContext, args: _Nothing) -> _Slept:
    raise RuntimeError("boom")


SLOW = Tool("slow", "sleeps", _Nothing, _Slept, _sleep)
BROKEN = Tool("broken", "raises", _Nothing, _Slept, _explode)


def _invoker(
    context: ToolContext,
    sink: RecordingSink,
    registry: ToolRegistry | None = None,
    timeout_s: float = 5.0,
) -> ToolInvoker:
    return ToolInvoker(registry or build_registry(), context, sink, timeout_s)


async def test_invoker_emits_called_then_finished_with_the_same_call_id(
    context: ToolContext,
) -> None:
    sink = RecordingSink()
    outcome = await _invoker(context, sink).call(
        "CryptoMarketAnalyst", "get_crypto_price", {"coin": "BTC"}
    )
    called, finished = sink.events
    assert isinstance(called, ToolCalled) and isinstance(finished, ToolFinished)
    assert called.call_id == finished.call_id == outcome.call_id
    assert (called.agent, called.arguments) == ("CryptoMarketAnalyst", {"coin": "BTC"})
    assert finished.success and finished.error is None
    assert finished.result_preview == outcome.preview and len(outcome.preview) <= 500
    assert isinstance(outcome.result, ToolResult)


async def test_invoker_turns_bad_arguments_into_a_failed_call(context: ToolContext) -> None:
    sink = RecordingSink()
    outcome = await _invoker(context, sink).call(
        "TechnicalAnalyst", "get_ohlc", {"coin": "BTC", "timeframe": "3h"}
    )
    finished = sink.events[-1]
    assert isinstance(finished, ToolFinished) and not finished.success
    assert finished.error is not None and "invalid arguments for get_ohlc" in finished.error
    assert "timeframe" in finished.error
    assert not outcome.success and outcome.result is None


async def test_invoker_reports_market_errors(context: ToolContext) -> None:
    sink = RecordingSink()
    outcome = await _invoker(context, sink).call("A", "get_crypto_price", {"coin": "FOOCOIN"})
    assert outcome.error == CoinNotFoundError("FOOCOIN").message
    assert sink.of_type(ToolFinished)[0].result_preview == f"error: {outcome.error}"


async def test_invoker_reports_unknown_tools(context: ToolContext) -> None:
    sink = RecordingSink()
    outcome = await _invoker(context, sink).call("A", "launch_rocket", {})
    assert not outcome.success and "unknown tool" in (outcome.error or "")
    assert [type(e) for e in sink.events] == [ToolCalled, ToolFinished]


async def test_invoker_times_out_slow_tools(context: ToolContext) -> None:
    sink = RecordingSink()
    invoker = _invoker(context, sink, ToolRegistry((SLOW,)), timeout_s=0.05)
    outcome = await invoker.call("A", "slow", {})
    assert outcome.error == "slow timed out after 0.05 s"


async def test_invoker_reports_a_defective_tool_without_crashing(
    context: ToolContext, caplog: pytest.LogCaptureFixture
) -> None:
    sink = RecordingSink()
    outcome = await _invoker(context, sink, ToolRegistry((BROKEN,))).call("A", "broken", {})
    assert not outcome.success
    assert outcome.error == "broken failed because of an internal error (see the server log)"
    assert "RuntimeError: boom" in caplog.text  # the exception, for whoever reads the log


async def test_invoker_shows_the_plain_message_and_logs_the_details(
    context: ToolContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def down(_context: ToolContext, _args: _Nothing) -> _Slept:
        raise UpstreamUnreachableError("coingecko", "GET /ping: [Errno 111] Connection refused")

    tool = Tool("down", "Always unreachable.", _Nothing, _Slept, down)
    sink = RecordingSink()
    outcome = await _invoker(context, sink, ToolRegistry((tool,))).call("A", "down", {})
    finished = sink.of_type(ToolFinished)[0]
    assert outcome.error == finished.error == "CoinGecko is not reachable from this machine"
    assert finished.result_preview == "error: CoinGecko is not reachable from this machine"
    assert "[Errno 111] Connection refused" in caplog.text


async def test_invoker_lets_cancellation_propagate(context: ToolContext) -> None:
    sink = RecordingSink()
    invoker = _invoker(context, sink, ToolRegistry((SLOW,)))
    task = asyncio.create_task(invoker.call("A", "slow", {}))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [type(e) for e in sink.events] == [ToolCalled]


async def test_invoker_redacts_secret_looking_arguments(context: ToolContext) -> None:
    sink = RecordingSink()
    arguments = {"coin": "BTC", "api_key": "k1", "options": {"apiSecret": "s", "token": "t"}}
    await _invoker(context, sink).call("A", "get_crypto_price", arguments)
    called = sink.of_type(ToolCalled)[0]
    assert called.arguments == {
        "coin": "BTC",
        "api_key": REDACTED,
        "options": {"apiSecret": REDACTED, "token": REDACTED},
    }
    assert arguments["api_key"] == "k1"


async def test_invoker_announces_created_charts_after_the_call(context: ToolContext) -> None:
    sink = RecordingSink()
    outcome = await _invoker(context, sink).call("ChartingAgent", "create_chart", {"coin": "BTC"})
    assert [type(e) for e in sink.events] == [ToolCalled, ToolFinished, ChartCreated]
    chart = sink.events[-1]
    assert isinstance(chart, ChartCreated) and outcome.result is not None
    assert chart.chart_id in outcome.preview
