"""`POST /api/v1/settings/test/{llm|exchange|market}`: one real, cheap request with the settings
in force, and a verdict that says what worked, what failed and why (never a secret)."""

from __future__ import annotations

import time
from collections.abc import Callable

from cryptodesk.config import Settings
from cryptodesk.domain import format as fmt
from cryptodesk.engines.magentic.capabilities import probe_capabilities
from cryptodesk.engines.magentic.probe import LlmProbe
from cryptodesk.engines.magentic.target import configured_target
from cryptodesk.errors import CryptoDeskError
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.settings.schemas import CheckStep, Verdict

ExchangeBuilder = Callable[[Settings], ExchangeService]
PROBE_COIN = "bitcoin"


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


async def check_llm(settings: Settings) -> Verdict:
    """The LLM team's own readiness probe (model list, Azure: a one-token completion), then
    whether its models call tools and answer in JSON (`capabilities`)."""
    target = configured_target(settings)
    if target is None:
        missing = "a provider" if settings.llm_provider is None else "a model and an endpoint"
        return Verdict(
            target="llm",
            ok=False,
            summary=f"No LLM configured: choose {missing}. The offline analyst answers meanwhile.",
            steps=[CheckStep(name="configuration", ok=False, detail=f"missing {missing}")],
        )
    check = await LlmProbe(ttl_s=0.001).check(target)
    ok = check.status == "connected"
    where = f"{target.provider} at {target.base_url}"
    key = "with the stored API key" if target.api_key is not None else "without an API key"
    steps = [
        CheckStep(
            name="configuration", ok=True, detail=f"{where}, model {target.orchestrator_model}"
        ),
        CheckStep(name="request", ok=ok, detail=f"{check.detail} ({key})"),
    ]
    if not ok:
        summary = f"{where} failed: {check.detail}"
        return Verdict(
            target="llm", ok=False, summary=summary, steps=steps, latency_ms=check.latency_ms
        )
    # It answers; can its models do what the team needs? One tool call, one JSON answer.
    abilities = await probe_capabilities(target)
    steps += [
        CheckStep(
            name="tool calling", ok=abilities.tools.ok is True, detail=abilities.tools.detail
        ),
        CheckStep(name="JSON output", ok=abilities.json.ok is True, detail=abilities.json.detail),
    ]
    problem = abilities.problem
    capable = abilities.tools.ok is True and abilities.json.ok is True
    if problem is not None:
        summary = problem.message
    elif not capable:
        unknown = [s.detail for s in steps[2:] if not s.ok]
        summary = f"{where} answered, but not every check: {'; '.join(unknown)}"
    else:
        summary = f"{where} answered in {check.latency_ms} ms: {check.detail}; tools and JSON work"
    return Verdict(
        target="llm", ok=capable, summary=summary, steps=steps, latency_ms=check.latency_ms
    )


async def check_exchange(settings: Settings, build: ExchangeBuilder) -> Verdict:
    """A ticker (public), then the balances when keys are set (they prove the keys work)."""
    symbol = f"BTC/{settings.exchange_quote.upper()}"
    service = build(settings)
    steps: list[CheckStep] = []
    started = time.perf_counter()
    try:
        try:
            ticker = await service.ticker(symbol)
            steps.append(
                CheckStep(
                    name=f"ticker {symbol}",
                    ok=True,
                    detail=f"last {fmt.price(ticker.last)} {ticker.quote} from {ticker.source}",
                )
            )
        except CryptoDeskError as exc:
            steps.append(CheckStep(name=f"ticker {symbol}", ok=False, detail=exc.message))
        if service.has_credentials:
            try:
                balances = await service.balances()
                detail = f"accepted: {len(balances.balances)} assets with a balance"
                steps.append(CheckStep(name="API keys", ok=True, detail=detail))
            except CryptoDeskError as exc:
                steps.append(CheckStep(name="API keys", ok=False, detail=exc.message))
        else:
            steps.append(
                CheckStep(
                    name="API keys",
                    ok=True,
                    detail="not set: public data only (balances and orders need keys)",
                )
            )
    finally:
        await service.aclose()
    ok = all(step.ok for step in steps)
    failed = [f"{s.name}: {s.detail}" for s in steps if not s.ok]
    summary = (
        f"{service.name} answered" + (" and accepted the keys" if service.has_credentials else "")
        if ok
        else f"{service.name}: " + "; ".join(failed)
    )
    return Verdict(
        target="exchange", ok=ok, summary=summary, steps=steps, latency_ms=_elapsed_ms(started)
    )


async def check_market(settings: Settings) -> Verdict:
    """The price of Bitcoin from the configured market data source."""
    from cryptodesk.market.service import build_market_service

    started = time.perf_counter()
    try:
        service = build_market_service(settings)
    except CryptoDeskError as exc:
        step = CheckStep(name="configuration", ok=False, detail=exc.message)
        return Verdict(target="market", ok=False, summary=exc.message, steps=[step])
    try:
        quote = await service.get_price(PROBE_COIN)
    except CryptoDeskError as exc:
        step = CheckStep(name=f"price of {PROBE_COIN}", ok=False, detail=exc.message)
        return Verdict(
            target="market",
            ok=False,
            summary=f"{settings.market_data}: {exc.message}",
            steps=[step],
            latency_ms=_elapsed_ms(started),
        )
    finally:
        await service.aclose()
    labels = [
        label for label, on in (("simulated", quote.simulated), ("fallback", quote.fallback)) if on
    ]
    ok = not quote.fallback
    price = fmt.price(quote.price_usd)
    detail = f"BTC {price} USD from {quote.source} as of {fmt.when(quote.as_of)}"
    if labels:
        detail += f" ({', '.join(labels)})"
    summary = (
        detail if ok else f"the live source is unreachable: the demo market stands in ({detail})"
    )
    return Verdict(
        target="market",
        ok=ok,
        summary=summary,
        steps=[CheckStep(name=f"price of {PROBE_COIN}", ok=ok, detail=detail)],
        latency_ms=_elapsed_ms(started),
    )
