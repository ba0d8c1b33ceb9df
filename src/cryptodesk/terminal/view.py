"""Renders protocol frames in a terminal: the LLM team's estimate, steps, tool calls, progress
with the spend so far, then the report (figures without a source marked)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from cryptodesk.domain.format import clip
from cryptodesk.domain.grounding import Grounding, footnote, marked

_PREVIEW_CHARS = 160
TERMINAL = frozenset({"completed", "cancelled", "failed"})
HEADLINES = {
    "answered": "✅ Answered",
    "partial": "⚠️ Partial answer: some data is missing",
    "clarification": "❓ Question back",
    "cannot_answer": "🚫 Can't answer that from market data",
}
"""What the run's `result.answer_kind` says, shown instead of a blanket "report ready"."""


def headline(result: dict[str, Any]) -> str | None:
    """None for a server from before answer kinds (its status message says the rest)."""
    kind = result.get("answer_kind")
    if kind == "clarification":
        question = str(result.get("bottom_line") or "").strip()
        return f"{HEADLINES[kind]}: {question}" if question else HEADLINES[kind]
    return HEADLINES.get(str(kind))


def _cost(usd: object) -> str:
    return f"${usd:.4f}" if isinstance(usd, int | float) else "cost unknown (unpriced model)"


def is_terminal(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "status" and bool(frame.get("final"))


class FrameView:
    def __init__(self, console: Console, *, json_lines: bool) -> None:
        self.console = console
        self.json_lines = json_lines
        self.final_status: str | None = None
        self.headline: str | None = None
        """The answer kind of the run's result, once it arrived."""
        self._mid_line = False
        self._turn: object = None

    def show(self, frame: dict[str, Any]) -> None:
        if is_terminal(frame):
            self.final_status = str(frame.get("status"))
        if self.json_lines:
            self.console.out(json.dumps(frame, ensure_ascii=False), highlight=False)
            return
        kind = frame.get("type")
        delta = kind == "agent_step" and bool(frame.get("delta"))
        if self._mid_line and not delta:
            self.console.print()  # streamed text ended: the next line starts fresh
        self._mid_line = delta
        handler = getattr(self, f"_{kind}", None)
        if handler is not None:
            handler(frame)

    def _status(self, f: dict[str, Any]) -> None:
        if f.get("status") == "connected":
            self.console.print(f"[dim]connected · engine {f.get('engine')}[/dim]")
            return
        status = str(f.get("status"))
        style = {"completed": "green", "cancelled": "yellow", "failed": "red"}.get(status, "cyan")
        done = status == "completed" and f.get("final") and self.headline is not None
        message = self.headline if done else f.get("message")
        self.console.print(Text(f"● {message}", style=style))

    def _agent_step(self, f: dict[str, Any]) -> None:
        if f.get("delta"):
            self.console.print(Text(str(f["delta"]), style="dim"), end="")
            return
        mark = {"working": "…", "completed": "✓", "error": "✗"}.get(str(f.get("status")), "")
        style = "bold" if f.get("status") == "working" else "dim"
        self.console.print(
            Text(f"{f.get('emoji')} {f.get('agent')} {mark} {f.get('message')}", style=style)
        )

    def _tool_call(self, f: dict[str, Any]) -> None:
        args = json.dumps(f.get("arguments", {}), ensure_ascii=False)
        self.console.print(Text(f"   → {f.get('tool_name')} {args}", style="blue"))

    def _tool_result(self, f: dict[str, Any]) -> None:
        ms = f.get("duration_ms")
        if f.get("success"):
            preview = clip(" ".join(str(f.get("result_preview", "")).split()), _PREVIEW_CHARS)
            self.console.print(Text(f"   ✓ {preview} ({ms} ms)", style="green"))
        else:
            self.console.print(Text(f"   ✗ {f.get('error')} ({ms} ms)", style="red"))

    def _progress(self, f: dict[str, Any]) -> None:
        estimate = f.get("estimate")
        if estimate:
            tokens = estimate["prompt_tokens"] + estimate["completion_tokens"]
            calls = estimate["llm_calls"]
            self.console.print(
                Text(
                    f"   estimate: ~{tokens:,} tokens, {_cost(estimate.get('cost_usd'))}, "
                    f"{calls} LLM call{'s' if calls != 1 else ''}",
                    style="dim",
                )
            )
            return
        # Spend updates and keep-alives repeat the round: a line when the round changes.
        if f.get("current_turn") == self._turn:
            return
        self._turn = f.get("current_turn")
        line = f"   turn {f.get('current_turn')}/{f.get('max_turns')}"
        spent = f.get("spent")
        if spent:
            tokens = spent["prompt_tokens"] + spent["completion_tokens"]
            line += f" · spent {tokens:,} tokens, {_cost(spent.get('cost_usd'))}"
        self.console.print(Text(line, style="dim"))

    def _chart_generated(self, f: dict[str, Any]) -> None:
        self.console.print(Text(f"   🖼️  chart: {f.get('title')} → {f.get('url')}", style="magenta"))

    def _error(self, f: dict[str, Any]) -> None:
        how = "continuing" if f.get("recoverable") else "fatal"
        details = f" ({f['details']})" if f.get("details") else ""
        self.console.print(Text(f"⚠ {f.get('code')}: {f.get('message')}{details} [{how}]", "red"))

    def _result(self, f: dict[str, Any]) -> None:
        self.headline = headline(f)
        labels = f.get("data_labels") or []
        usage = f.get("usage") or {}
        spent = int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
        subtitle = f"engine: {f.get('engine')}" + (
            f" · data: {', '.join(labels)}" if labels else ""
        )
        if spent:
            subtitle += f" · {spent:,} tokens, {_cost(usage.get('cost_usd'))}"
        grounding = Grounding.model_validate(f["grounding"]) if f.get("grounding") else None
        self.console.print(
            Panel(
                Markdown(marked(str(f.get("content", "")), grounding)),
                title=self.headline or "Report",
                subtitle=subtitle,
            )
        )
        note = footnote(grounding)
        if note:
            self.console.print(Text(note, style="yellow"))
