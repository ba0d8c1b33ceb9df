"""An engine that answers the way issue 11's offline analyst will, for the browser tests.

It calls the real tools (ToolInvoker, the server's own market data and chart store), then reports
a bottom line, the answer kind and a structured outlook built from those tool results only (every
number in it is one of theirs); a comparison also gets a normalised-performance chart stored
through the real chart store. Until the offline analyst fills these fields itself, the tests of
the answer view drive this engine; then they switch to the offline analyst (`answer_server`).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import FastAPI

from cryptodesk.charts.spec import ChartLine, ChartPane, ChartPoint, ChartSpec
from cryptodesk.domain.events import AgentStep, ChartCreated, EventSink, Progress, Report
from cryptodesk.domain.outlook import Bias, Horizon, Outlook, OutlookLevel, OutlookSignal, Scenario
from cryptodesk.engines.base import RunRequest
from cryptodesk.market.schemas import Timeframe, timeframe_seconds
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.invoker import ToolInvoker
from cryptodesk.tools.registry import build_registry
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult

SYMBOLS = ("BTC", "ETH", "SOL", "AVAX", "DOGE", "XRP", "ADA", "BNB", "LINK", "LTC", "DOT")
HORIZON_BARS = 12


def _symbols(question: str) -> list[str]:
    words = set(re.findall(r"[A-Za-z]+", question.upper()))
    return [s for s in SYMBOLS if s in words]


def _timeframe(question: str, default: Timeframe = "4h") -> Timeframe:
    for tf in ("1h", "4h", "1d", "1w"):
        if re.search(rf"\b{tf}\b", question.lower()):
            return tf  # type: ignore[return-value]
    return default


def _fmt(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 100 else f"{value:,.5g}"


@dataclass
class AnsweringEngine:
    app: FastAPI | None = None
    name: str = "scripted-analyst"
    pause_s: float = 0.0
    """Between steps, so a test can watch the trace move."""
    asked: list[str] = field(default_factory=list)

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        if self.app is None:
            raise RuntimeError("AnsweringEngine.app is set by the fixture that serves it")
        self.asked.append(request.question)
        desk = self.app.state.desk
        context = ToolContext(
            desk.market, desk.store.charts, request.run_id, request.conversation_id
        )
        invoker = ToolInvoker(build_registry(), context, sink, timeout_s=60)
        symbols = _symbols(request.question) or ["ETH"]
        if "compare" in request.question.lower() and len(symbols) >= 2:
            await self._comparison(symbols[:2], context, invoker, sink)
        else:
            await self._technical(symbols[0], _timeframe(request.question), invoker, sink)

    async def _step(
        self, sink: EventSink, agent: str, message: str, step_id: str, turn: int
    ) -> None:
        await sink.emit(AgentStep(agent, "", "working", message, step_id))
        await sink.emit(Progress(turn, 3))
        await asyncio.sleep(self.pause_s)

    async def _technical(
        self, symbol: str, timeframe: Timeframe, invoker: ToolInvoker, sink: EventSink
    ) -> None:
        await self._step(
            sink, "TechnicalAnalyst", f"Indicators and levels of {symbol} {timeframe}", "s1", 1
        )
        indicators = await invoker.call(
            "TechnicalAnalyst",
            "compute_indicators",
            {
                "coin": symbol,
                "timeframe": timeframe,
                "indicators": ["sma50", "sma200", "rsi14", "macd"],
            },
        )
        levels = await invoker.call(
            "TechnicalAnalyst", "find_key_levels", {"coin": symbol, "timeframe": timeframe}
        )
        await sink.emit(AgentStep("TechnicalAnalyst", "", "completed", "readings ready", "s1"))
        await self._step(
            sink, "ChartingAgent", f"Chart {symbol} {timeframe} with its levels", "s2", 2
        )
        chart = await invoker.call(
            "ChartingAgent", "create_chart", {"coin": symbol, "timeframe": timeframe}
        )
        await sink.emit(AgentStep("ChartingAgent", "", "completed", "chart drawn", "s2"))
        await self._step(sink, "ReportWriter", "Write the answer", "s3", 3)
        ind, lv = indicators.result, levels.result
        assert isinstance(ind, IndicatorsResult) and isinstance(lv, LevelsResult)
        outlook = _outlook(ind, lv, indicators.call_id, levels.call_id)
        bottom = (
            f"{symbol} leans {outlook.bias} on the {timeframe} ({outlook.strength:.0%} of the "
            f"signals agree): the trend is {ind.trend.direction} and RSI14 is "
            f"{ind.momentum.rsi or 0:.1f}."
        )
        rows = "\n".join(
            f"| {lvl.kind} | {_fmt(lvl.price)} | {lvl.touches} | {lvl.distance_pct:+.2f}% | "
            f"{lvl.last_touch:%Y-%m-%d %H:%M} | {ind.source} | {ind.timeframe} |"
            for lvl in lv.levels
        )
        content = (
            f"# {symbol}: technical analysis ({timeframe})\n\n{bottom}\n\n"
            "## Readings\n\n| indicator | value |\n|---|---|\n"
            + "\n".join(
                f"| {name} | {_fmt(value)} |"
                for name, value in ind.latest.items()
                if value is not None
            )
            + "\n\n## Levels\n\n"
            "| kind | price | touches | distance | last touch | source | timeframe |\n"
            "|---|---|---|---|---|---|---|\n" + rows + "\n\nScenarios, not advice."
        )
        labels = ("replay",) if ind.source.startswith("replay") else ()
        await sink.emit(AgentStep("ReportWriter", "", "completed", "answer written", "s3"))
        await sink.emit(
            Report(
                content,
                ("TechnicalAnalyst", "ChartingAgent", "ReportWriter"),
                (chart.result.chart_id,) if chart.result is not None else (),  # type: ignore[attr-defined]
                self.name,
                data_labels=labels,
                outlook=(outlook,),
                answer_kind="answered",
                bottom_line=bottom,
            )
        )

    async def _comparison(
        self, symbols: list[str], context: ToolContext, invoker: ToolInvoker, sink: EventSink
    ) -> None:
        await self._step(sink, "CryptoMarketAnalyst", f"Compare {' and '.join(symbols)}", "s1", 1)
        compared = await invoker.call(
            "CryptoMarketAnalyst",
            "compare_assets",
            {"coins": symbols, "timeframe": "4h", "period": "30d"},
        )
        await sink.emit(AgentStep("CryptoMarketAnalyst", "", "completed", "compared", "s1"))
        await self._step(sink, "ChartingAgent", "Chart their performance", "s2", 2)
        series = [await context.market.get_ohlc(s, "4h", 181) for s in symbols]
        common = sorted(
            set.intersection(*({int(c.time.timestamp()) for c in s.candles} for s in series))
        )
        closes = [{int(c.time.timestamp()): c.close for c in s.candles} for s in series]
        lines = tuple(
            ChartLine(
                name=s.symbol,
                values=tuple(
                    ChartPoint(time=t, value=round((close[t] / close[common[0]] - 1) * 100, 4))
                    for t in common
                ),
            )
            for s, close in zip(series, closes, strict=True)
        )
        ratio = ChartLine(
            name=f"{series[0].symbol}/{series[1].symbol}",
            values=tuple(ChartPoint(time=t, value=closes[0][t] / closes[1][t]) for t in common),
        )
        spec = ChartSpec(
            kind="comparison",
            symbol=f"{series[0].symbol}/{series[1].symbol}",
            interval="4h",
            title=f"{' vs '.join(s.symbol for s in series)}: performance over 30 days (4h)",
            source=series[0].source,
            as_of=series[0].as_of,
            simulated=any(s.simulated for s in series),
            candles=(),
            overlays=lines,
            panes=(ChartPane(name="Ratio", series=(ratio,)),),
        )
        chart_id = await context.charts.save_chart(
            run_id=context.run_id,
            conversation_id=context.conversation_id,
            symbol=spec.symbol,
            interval=spec.interval,
            title=spec.title,
            spec=spec.model_dump(mode="json"),
        )
        await sink.emit(ChartCreated(chart_id, spec.symbol, spec.interval, spec.title))
        await sink.emit(AgentStep("ChartingAgent", "", "completed", "chart drawn", "s2"))
        await self._step(sink, "ReportWriter", "Write the answer", "s3", 3)
        moves = {line.name: line.values[-1].value for line in lines}
        best = max(moves, key=lambda k: moves[k])
        bottom = (
            f"Over 30 days {best} did better: "
            + ", ".join(f"{name} {value:+.1f}%" for name, value in moves.items())
            + "."
        )
        content = f"# {' vs '.join(moves)}: 30 days\n\n{bottom}\n\n{compared.preview}"
        await sink.emit(AgentStep("ReportWriter", "", "completed", "answer written", "s3"))
        await sink.emit(
            Report(
                content,
                ("CryptoMarketAnalyst", "ChartingAgent", "ReportWriter"),
                (chart_id,),
                self.name,
                data_labels=("replay",) if spec.source.startswith("replay") else (),
                answer_kind="answered",
                bottom_line=bottom,
            )
        )


def _outlook(ind: IndicatorsResult, lv: LevelsResult, ind_call: str, lv_call: str) -> Outlook:
    price = ind.close
    rsi = ind.momentum.rsi
    hist = ind.momentum.macd_hist
    signals = [
        OutlookSignal(
            name="trend",
            value=ind.return_pct,
            reading=f"Trend {ind.trend.direction}: {ind.return_pct:+.1f}% over the window",
            lean=_lean(ind.trend.direction == "up", ind.trend.direction == "down"),
            weight=0.4,
            tool_name="compute_indicators",
            call_id=ind_call,
        ),
        OutlookSignal(
            name="rsi",
            value=rsi,
            reading=f"RSI14 {rsi or 0:.1f} ({ind.momentum.rsi_zone})",
            lean=_lean(rsi is not None and rsi > 55, rsi is not None and rsi < 45),
            weight=0.3,
            tool_name="compute_indicators",
            call_id=ind_call,
        ),
        OutlookSignal(
            name="macd",
            value=hist,
            reading=f"MACD histogram {hist or 0:+.4g}",
            lean=_lean(hist is not None and hist > 0, hist is not None and hist < 0),
            weight=0.3,
            tool_name="compute_indicators",
            call_id=ind_call,
        ),
    ]
    score = sum(s.weight * {"bullish": 1, "bearish": -1, "neutral": 0}[s.lean] for s in signals)
    bias: Bias = "bullish" if score > 0.15 else "bearish" if score < -0.15 else "neutral"
    below = [lvl for lvl in lv.levels if lvl.price < price]
    above = [lvl for lvl in lv.levels if lvl.price > price]
    support = max(below, key=lambda lvl: lvl.price) if below else None
    resistance = min(above, key=lambda lvl: lvl.price) if above else None
    far_above = min(
        (lvl.price for lvl in above if resistance and lvl.price > resistance.price), default=None
    )
    far_below = max(
        (lvl.price for lvl in below if support and lvl.price < support.price), default=None
    )
    hours = HORIZON_BARS * timeframe_seconds(ind.timeframe) / 3600
    scenarios = []
    if resistance is not None:
        scenarios.append(
            Scenario(
                kind="bull",
                trigger=f"a {ind.timeframe} close above {_fmt(resistance.price)} (resistance)",
                trigger_price=resistance.price,
                target=far_above,
                stop=support.price if support else None,
            )
        )
    if support is not None:
        scenarios.append(
            Scenario(
                kind="bear",
                trigger=f"a {ind.timeframe} close below {_fmt(support.price)} (support)",
                trigger_price=support.price,
                target=far_below,
                stop=resistance.price if resistance else None,
            )
        )
    invalidation = (
        (resistance.price if resistance else None)
        if bias == "bearish"
        else (support.price if support else None)
        if bias == "bullish"
        else None
    )
    return Outlook(
        symbol=ind.symbol,
        coin_id=ind.coin_id,
        timeframe=ind.timeframe,
        as_of=ind.as_of,
        price=price,
        bias=bias,
        strength=round(min(1.0, abs(score) / 1.0), 2),
        signals=signals,
        horizon=Horizon(
            bars=HORIZON_BARS,
            hours=hours,
            ends_at=ind.as_of + timedelta(hours=hours),
            label=f"about {hours / 24:.0f} days ({HORIZON_BARS} × {ind.timeframe} candles)"
            if hours >= 48
            else f"about {hours:.0f} hours ({HORIZON_BARS} × {ind.timeframe} candles)",
        ),
        support=support.price if support else None,
        resistance=resistance.price if resistance else None,
        levels_note=None if support and resistance else "no level with two touches on one side",
        levels=[
            OutlookLevel(
                price=lvl.price, kind=lvl.kind, touches=lvl.touches, distance_pct=lvl.distance_pct
            )
            for lvl in lv.levels
        ],
        invalidation=invalidation,
        invalidation_note=None
        if invalidation is not None
        else "a neutral bias has no invalidation",
        scenarios=scenarios,
        source=ind.source,
        data_labels=["replay"] if ind.source.startswith("replay") else [],
    )


def _lean(up: bool, down: bool) -> Bias:
    return "bullish" if up else "bearish" if down else "neutral"
