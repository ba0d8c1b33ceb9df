"""The web app in headless Chromium: load to interactive, question to first timeline entry, and
the rate of run frames the timeline absorbs while the page keeps at least 30 rendered fps.

Debian's Chromium (`/usr/bin/chromium`) is driven by Playwright against the real server, run in a
thread of this process (`bench.server`) with the built web app (`src/cryptodesk/web`).

- Load, first entry and bottom line: the offline analyst on replayed candles; 5 rounds, each in a
  new browser context (empty cache). An init script polls on every animation frame for the chat
  input to be enabled, visible and focusable, for the socket to be open and, once Enter is pressed
  in the input, for the question to show, for the run's first entry (its trace line) and for the
  answer's lead (its bottom line; the report's start while an engine does not give one) to be
  inside the viewport (its first 80 px at least); times are the page's `performance.now()` (from
  navigation start). Navigation timings come from the Performance API.
- Timeline throughput: a run of a scripted engine (tests/runtime/scripted.py: steps with streamed
  text deltas, a progress frame and a tool call each) is recorded once, then replayed by the server
  into the page's real WebSocket at increasing rates, about 3 s per rate, each in a new page. The
  page counts animation frames (rendered fps) and WebSocket messages. A rate is sustained when
  every 500 ms window from the first frame of the run to its rendered end has at least 30 fps and
  the timeline (the run's trace, expanded as soon as it shows) shows every step and tool call.
  The ladder stops at the first rate not sustained (tried twice, the better attempt kept).

`uv run python -m bench.webapp` runs this one alone.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.runtime.scripted import ScriptedEngine

from bench.paths import replay_dir
from bench.report import Section, make_console, print_section
from bench.server import LiveServer, running
from cryptodesk.app import WEB_DIR, create_app
from cryptodesk.config import Settings
from cryptodesk.domain.events import DomainEvent, Report
from cryptodesk.engines.base import RunRequest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1440, "height": 900}
HEALTH = "/api/v1/health"

ROUNDS = 5
QUESTION = "Analyze ETH on the 4h chart with RSI and MACD"

RATES = (60, 125, 250, 500, 1000, 2000, 4000, 8000)
SECONDS_PER_RATE = 3.0
MIN_FPS = 30.0
WINDOW_MS = 500.0
DELTAS_PER_STEP = 20
DELTA_BYTES = 12
EVENTS_PER_STEP = DELTAS_PER_STEP + 5  # step, progress, deltas, tool call, tool result, step done
TIMEOUT_MS = 30_000

# Runs before the app's scripts: WebSocket messages are counted as they arrive, and an
# animation-frame poll notes when the page becomes interactive and when a question shows up.
INIT_SCRIPT = """
(() => {
  const b = (window.__bench = {
    messages: 0, firstMessage: null, lastMessage: null,
    interactive: null, open: null, sent: null, echoed: null, firstEntry: null,
    lead: null, leadKind: null,
  });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => {
        const now = performance.now();
        b.messages += 1;
        if (b.firstMessage === null) b.firstMessage = now;
        b.lastMessage = now;
      });
    }
  };
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && e.target?.dataset?.testid === "composer") {
      b.sent = performance.now();
    }
  }, true);
  const poll = (now) => {
    if (b.interactive === null) {
      const el = document.querySelector("[data-testid=composer]");
      if (el && !el.disabled && el.offsetParent !== null) {
        el.focus();
        if (document.activeElement === el) b.interactive = now;
      }
    }
    if (b.open === null && document.querySelector("[data-testid=connection][data-phase=open]")) {
      b.open = now;
    }
    if (b.sent !== null && b.echoed === null
        && document.querySelector("[data-testid=user-message]")) {
      b.echoed = now;
    }
    if (b.sent !== null && b.firstEntry === null
        && document.querySelector("[data-testid=trace]")) {
      b.firstEntry = now;
    }
    if (b.sent !== null && b.lead === null) {
      const lead = document.querySelector(".answer-lead");
      const box = lead && lead.getBoundingClientRect();
      // Its first lines at least (a report that leads is taller than the screen).
      if (box && box.height > 0 && box.top >= 0
          && Math.min(box.bottom, box.top + 80) <= window.innerHeight) {
        b.lead = now;
        b.leadKind = lead.dataset.kind;
      }
    }
    if (b.interactive === null || b.open === null || b.firstEntry === null || b.lead === null) {
      requestAnimationFrame(poll);
    }
  };
  requestAnimationFrame(poll);
})();
"""

START_FPS = """
() => {
  const f = (window.__fps = { stamps: [], stop: false });
  const tick = (t) => { f.stamps.push(t); if (!f.stop) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  window.__bench.messages = 0;
  window.__bench.firstMessage = null;
}
"""

DONE = """
() => {
  const phase = document.querySelector("[data-testid=run-phase]")?.dataset.phase;
  return phase === "completed" || phase === "failed" || phase === "cancelled"
    ? { phase, at: performance.now() } : null;
}
"""

COLLECT = """
() => {
  window.__fps.stop = true;
  return {
    stamps: window.__fps.stamps,
    messages: window.__bench.messages,
    first: window.__bench.firstMessage,
    last: window.__bench.lastMessage,
    steps: document.querySelectorAll("[data-testid=step]").length,
    tools: document.querySelectorAll("[data-testid=tool-card]").length,
  };
}
"""


# --- a recorded run, replayed at a given rate ------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def emit(self, event: DomainEvent) -> None:
        self.events.append(event)


def record_run(steps: int) -> list[DomainEvent]:
    """The events of a scripted run of `steps` steps, emitted without pauses."""
    engine = ScriptedEngine(
        steps=steps, pause_s=0.0, deltas_per_step=DELTAS_PER_STEP, delta_bytes=DELTA_BYTES
    )
    recorder = _Recorder()
    asyncio.run(engine.run(RunRequest("recorded", "recorded", "record", (), steps), recorder))
    return recorder.events


@dataclass
class PacedReplay:
    """Emits the first `count` recorded events (and the report) at `rate` events per second."""

    recorded: list[DomainEvent]
    rate: float = 100.0
    count: int = 0
    name: str = "bench-replay"

    def plan(self, rate: float, seconds: float) -> tuple[int, int]:
        """Sets the next run's rate and length (whole steps); returns its steps and tool calls."""
        steps = max(2, math.ceil(rate * seconds / EVENTS_PER_STEP))
        self.rate, self.count = rate, steps * EVENTS_PER_STEP
        return steps, steps

    async def run(self, request: RunRequest, sink: Any) -> None:
        events = [e for e in self.recorded if not isinstance(e, Report)][: self.count]
        report = next(e for e in self.recorded if isinstance(e, Report))
        loop = asyncio.get_running_loop()
        started = loop.time()
        for i, event in enumerate(events):
            wait = started + i / self.rate - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            elif i % 64 == 0:
                await asyncio.sleep(0)
            await sink.emit(event)
        await sink.emit(report)


# --- measurements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadRound:
    response_end: float
    dom_content_loaded: float
    load: float
    first_contentful_paint: float | None
    interactive: float
    """The chat input enabled, visible and focusable (checked every animation frame)."""
    socket_open: float
    echoed: float
    first_entry: float
    lead: float
    """The answer's lead (bottom line) wholly in the viewport."""
    lead_kind: str
    report: float

    @property
    def usable(self) -> float:
        """Interactive and painted: the later of the input being ready and the first paint."""
        return max(self.interactive, self.first_contentful_paint or 0.0)


@dataclass(frozen=True, slots=True)
class RateRound:
    rate: int
    frames: int
    messages: int
    delivered_per_s: float
    mean_fps: float
    worst_fps: float
    longest_gap_ms: float
    catch_up_ms: float
    complete: bool
    phase: str
    attempts: int = 1

    @property
    def sustained(self) -> bool:
        return self.complete and self.worst_fps >= MIN_FPS


@dataclass
class Results:
    idle_fps: float = 0.0
    loads: list[LoadRound] = field(default_factory=list)
    rates: list[RateRound] = field(default_factory=list)
    engine_events: int = 0


def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        market_data="replay",
        replay_dir=replay_dir(),
        log_level="WARNING",
        _env_file=None,  # type: ignore[call-arg]
    )


def _ask(page: Any, question: str) -> None:
    box = page.get_by_test_id("composer")
    box.fill(question)
    box.press("Enter")


def _new_page(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def _load_round(browser: Any, server: LiveServer) -> LoadRound:
    context, page = _new_page(browser)
    try:
        page.goto(server.http)
        page.wait_for_function("() => window.__bench.interactive !== null && window.__bench.open")
        _ask(page, QUESTION)
        page.wait_for_function("() => window.__bench.firstEntry !== null")
        done = page.wait_for_function(DONE, polling=20).json_value()
        if done["phase"] != "completed":
            raise RuntimeError(f"the offline analyst's run ended {done['phase']}")
        page.wait_for_function("() => window.__bench.lead !== null")
        nav = page.evaluate(
            """() => {
              const n = performance.getEntriesByType("navigation")[0];
              const fcp = performance.getEntriesByName("first-contentful-paint")[0];
              return { responseEnd: n.responseEnd, dcl: n.domContentLoadedEventEnd,
                       load: n.loadEventEnd, fcp: fcp ? fcp.startTime : null, b: window.__bench };
            }"""
        )
    finally:
        context.close()
    b = nav["b"]
    return LoadRound(
        response_end=nav["responseEnd"],
        dom_content_loaded=nav["dcl"],
        load=nav["load"],
        first_contentful_paint=nav["fcp"],
        interactive=b["interactive"],
        socket_open=b["open"],
        echoed=b["echoed"] - b["sent"],
        first_entry=b["firstEntry"] - b["sent"],
        lead=b["lead"] - b["sent"],
        lead_kind=b["leadKind"],
        report=done["at"] - b["sent"],
    )


def _idle_fps(browser: Any, server: LiveServer) -> float:
    context, page = _new_page(browser)
    try:
        page.goto(server.http)
        page.wait_for_function("() => window.__bench.open !== null")
        page.evaluate(START_FPS)
        page.wait_for_timeout(1000)
        stamps = page.evaluate(COLLECT)["stamps"]
    finally:
        context.close()
    return (len(stamps) - 1) * 1000 / (stamps[-1] - stamps[0])


def _windows(stamps: Sequence[float], start: float, end: float) -> list[float]:
    """Rendered fps in each whole WINDOW_MS window of [start, end] (one window at least)."""
    if end - start < WINDOW_MS:
        inside = [t for t in stamps if start <= t <= end]
        return [len(inside) * 1000 / max(end - start, 1.0)]
    windows = []
    edge = start
    while edge + WINDOW_MS <= end:
        count = sum(1 for t in stamps if edge <= t < edge + WINDOW_MS)
        windows.append(count * 1000 / WINDOW_MS)
        edge += WINDOW_MS
    return windows


def _rate_round(browser: Any, server: LiveServer, engine: PacedReplay, rate: int) -> RateRound:
    steps, tools = engine.plan(rate, SECONDS_PER_RATE)
    context, page = _new_page(browser)
    try:
        page.goto(server.http)
        page.wait_for_function("() => window.__bench.interactive !== null && window.__bench.open")
        page.evaluate(START_FPS)
        _ask(page, f"replay a recorded run at {rate} frames/s")
        # The full timeline is drawn only when asked for: open it, the heavier case.
        page.get_by_test_id("trace-toggle").click()
        done = page.wait_for_function(DONE, polling=20, timeout=TIMEOUT_MS).json_value()
        page.wait_for_timeout(100)  # a few more animation frames past the end
        seen = page.evaluate(COLLECT)
    finally:
        context.close()
    stamps: list[float] = seen["stamps"]
    first, last, end = seen["first"], seen["last"], done["at"]
    span = [t for t in stamps if first <= t <= end]
    gaps = [b - a for a, b in itertools.pairwise(span)]
    windows = _windows(stamps, first, end)
    return RateRound(
        rate=rate,
        frames=engine.count + 1,
        messages=seen["messages"],
        delivered_per_s=(seen["messages"] - 1) * 1000 / max(last - first, 1.0),
        mean_fps=(len(span) - 1) * 1000 / max(end - first, 1.0) if len(span) > 1 else 0.0,
        worst_fps=min(windows),
        longest_gap_ms=max(gaps, default=end - first),
        catch_up_ms=end - last,
        complete=seen["steps"] == steps and seen["tools"] == tools,
        phase=done["phase"],
    )


def _run(browser: Any, root: Path, recorded: list[DomainEvent]) -> Results:
    results = Results()
    with running(create_app(_settings(root / "offline")), HEALTH) as server:
        results.loads = [_load_round(browser, server) for _ in range(ROUNDS)]
        results.idle_fps = _idle_fps(browser, server)
    results.engine_events = len(recorded)
    engine = PacedReplay(recorded)
    with running(create_app(_settings(root / "replay"), lambda _c: engine), HEALTH) as server:
        for rate in RATES:
            measured = _rate_round(browser, server, engine, rate)
            if not measured.sustained:
                # A second try at a failing rate, so that one hiccup of a busy machine does not
                # end the ladder; the better of the two counts.
                again = _rate_round(browser, server, engine, rate)
                measured = max(measured, again, key=lambda m: (m.sustained, m.worst_fps))
                measured = replace(measured, attempts=2)
            results.rates.append(measured)
            if not measured.sustained:
                break
    return results


def _missing() -> str | None:
    if not (WEB_DIR / "index.html").is_file():
        return (
            f"the web app is not built ({WEB_DIR / 'index.html'} is missing): run `make run` "
            "or `cd frontend && npm ci && npm run build`, then run the benchmarks again"
        )
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}: sudo apt-get install -y chromium"
    return None


def measure() -> Section:
    reason = _missing()
    if reason is not None:
        return _skipped(reason)
    from playwright.sync_api import sync_playwright

    # Before Playwright's sync API, which keeps an event loop running in this thread.
    recorded = record_run(math.ceil(max(RATES) * SECONDS_PER_RATE / EVENTS_PER_STEP))
    with tempfile.TemporaryDirectory(prefix="cryptodesk-bench-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            results = _run(browser, Path(tmp), recorded)
        finally:
            browser.close()
    return _section(results)


def _skipped(reason: str) -> Section:
    section = Section("5. web app", "5. Web app in headless Chromium: SKIPPED", ("reason",))
    section.row(reason)
    section.check("web app benchmarks", f"SKIPPED: {reason.split(':')[0]}", None)
    return section


def _section(r: Results) -> Section:
    section = Section(
        "5. web app",
        f"5. Web app in headless Chromium: page load and asking (median of {ROUNDS}, a new "
        "context each), timeline throughput (a recorded run replayed into the page's WebSocket)",
        (
            "measurement",
            "median ms",
            "min-max ms",
            "run frames",
            "delivered/s",
            "mean fps",
            "worst 0.5 s fps",
            "max gap ms",
            "catch-up ms",
            "complete",
        ),
    )
    loads = r.loads
    fcp = [x.first_contentful_paint for x in loads if x.first_contentful_paint is not None]
    blank = ("",) * 7
    rows: list[tuple[str, Sequence[float]]] = [
        ("load: HTML response end", [x.response_end for x in loads]),
        ("load: first contentful paint", fcp),
        ("load: DOMContentLoaded", [x.dom_content_loaded for x in loads]),
        ("load: load event", [x.load for x in loads]),
        ("load: input enabled+focusable", [x.interactive for x in loads]),
        ("load: interactive (+ painted)", [x.usable for x in loads]),
        ("load: WebSocket open", [x.socket_open for x in loads]),
        ("ask: question shown", [x.echoed for x in loads]),
        ("ask: first entry (the trace)", [x.first_entry for x in loads]),
        ("ask: run completed", [x.report for x in loads]),
        ("ask: bottom line in view", [x.lead for x in loads]),
    ]
    for label, values in rows:
        if values:
            section.row(
                label,
                f"{statistics.median(values):.0f}",
                f"{min(values):.0f}-{max(values):.0f}",
                *blank,
            )
    for m in r.rates:
        tries = "" if m.attempts == 1 else f" (best of {m.attempts})"
        section.row(
            f"timeline at {m.rate:,}/s{tries}",
            "",
            "",
            f"{m.frames:,}",
            f"{m.delivered_per_s:,.0f}",
            f"{m.mean_fps:.0f}",
            f"{m.worst_fps:.0f}",
            f"{m.longest_gap_ms:.0f}",
            f"{m.catch_up_ms:.0f}",
            ("yes" if m.complete else "NO") + ("" if m.phase == "completed" else f" ({m.phase})"),
        )
    sustained = [m for m in r.rates if m.sustained]
    best = max(sustained, key=lambda m: m.rate) if sustained else None
    capped = bool(r.rates) and r.rates[-1].sustained and r.rates[-1].rate == max(RATES)
    interactive = statistics.median(x.usable for x in loads)
    first_entry = statistics.median(x.first_entry for x in loads)
    lead = statistics.median(x.lead for x in loads)
    kinds = sorted({x.lead_kind for x in loads})
    section.notes += [
        "load times: the page's performance.now() from navigation start; 'enabled+focusable' "
        "and the ask rows are checked on every animation frame by an init script; interactive: "
        "the later of that and the first contentful paint (the summary's figure)",
        f"ask: '{QUESTION}' to the offline analyst on replayed candles, timed from the Enter "
        "keydown in the chat input; bottom line in view: the answer's lead (its first 80 px at "
        f"least) inside the 1440x900 viewport (lead measured: {', '.join(kinds)}; 'report' "
        "while the engine gives no bottom_line)",
        f"timeline: a recorded scripted run ({r.engine_events:,} events: per step a step frame, "
        f"progress, {DELTAS_PER_STEP} streamed text deltas of {DELTA_BYTES} B, a tool call and "
        "its result) replayed by the server at each rate; fps counted with requestAnimationFrame "
        "from the first WebSocket message to the rendered end of the run; catch-up: last "
        "message to the rendered end",
        f"idle page: {r.idle_fps:.0f} fps (headless Chromium's animation-frame rate here)",
    ]
    if capped:
        section.notes.append(f"every rate tried was sustained; {max(RATES):,}/s is a lower bound")
    # The issue sets no targets for these two: reported, without a verdict.
    section.check("load -> interactive (no target)", f"{interactive:.0f} ms (median)", None)
    section.check(
        "question -> first visible entry (no target)", f"{first_entry:.0f} ms (median)", None
    )
    section.check("question -> bottom line visible (no target)", f"{lead:.0f} ms (median)", None)
    section.check(
        f"timeline absorbs frames at ≥ {MIN_FPS:.0f} fps",
        (
            f"{'≥ ' if capped else ''}{best.rate:,} frames/s "
            f"(worst 0.5 s window {best.worst_fps:.0f} fps)"
            if best
            else f"none sustained (at {r.rates[0].rate}/s: worst {r.rates[0].worst_fps:.0f} fps)"
        ),
        best is not None,
    )
    return section


if __name__ == "__main__":
    started = time.perf_counter()
    print_section(make_console(), measure())
    print(f"{time.perf_counter() - started:.1f} s")
