"""A conversation as one markdown document (questions, reports, charts, run outcomes, the
structured outlook and answer kind of each result, how each outlook's call worked out so far, and
the feedback given on each answer). A figure of a report that no tool result holds keeps its mark
(⚠ after it) and a footnote under the answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cryptodesk.domain import format as fmt
from cryptodesk.domain.calls import Call
from cryptodesk.domain.display import display_text
from cryptodesk.domain.grounding import footnote, marked
from cryptodesk.domain.outlook import Outlook
from cryptodesk.realtime.protocol import ResultFrame
from cryptodesk.redaction import scrub
from cryptodesk.runs.frames import chart_url
from cryptodesk.store.records import Chart, Conversation, Feedback, Message, Run


def _level(value: float | None) -> str:
    return fmt.price(value) if value is not None else "none"


def outlook_lines(outlook: Outlook) -> list[str]:
    """One outlook as export lines: the numbers a reader (or the track record) checks later."""
    o = outlook
    lines = [
        f"- Outlook {o.symbol} {o.timeframe} as of {fmt.when(o.as_of)} at {fmt.price(o.price)}: "
        f"{o.bias}, strength {o.strength:g}; support {_level(o.support)}, resistance "
        f"{_level(o.resistance)}, invalidation {_level(o.invalidation)}; horizon "
        f"{o.horizon.label} (to {fmt.when(o.horizon.ends_at)}); source {o.source}"
    ]
    lines += [f"  - {s.kind} scenario: {s.trigger}" for s in o.scenarios]
    return lines


def track_line(call: Call) -> str:
    """How an outlook's call worked out, as far as the track record knows at export time."""
    settled = call.settlement
    if settled is None:
        reason = f": {call.pending_reason}" if call.pending_reason else ""
        return f"  - Track record: {call.status}{reason}"
    mfe = f"MFE {settled.mfe_pct:.2f}%, " if settled.mfe_pct is not None else ""
    return (
        f"  - Track record: {settled.outcome.replace('_', ' ')}, {fmt.pct(settled.return_pct)} "
        f"by {fmt.when(call.draft.horizon_ends_at)} ({mfe}MAE {settled.mae_pct:.2f}%)"
    )


def _feedback_line(feedback: Feedback | None) -> list[str]:
    if feedback is None:
        return []
    reasons = f" ({', '.join(r.replace('_', ' ') for r in feedback.reasons)})"
    return [f"- Feedback: thumbs {feedback.rating}{reasons if feedback.reasons else ''}"]


def _result(frame: str | None) -> ResultFrame | None:
    return ResultFrame.model_validate_json(frame) if frame is not None else None


def _result_lines(result: ResultFrame | None, calls: Sequence[Call]) -> list[str]:
    if result is None:
        return []
    note = footnote(result.grounding)
    lines = [note, ""] if note else []
    if result.answer_kind:
        lines += [f"_Answer kind: {result.answer_kind}._", ""]
    by_asset = {(c.draft.symbol, c.draft.timeframe): c for c in calls}
    for outlook in result.outlook or ():
        lines += outlook_lines(outlook)
        call = by_asset.get((outlook.symbol, outlook.timeframe))
        if call is not None:
            lines.append(track_line(call))
    return [*lines, ""] if result.outlook else lines


def conversation_markdown(
    conversation: Conversation,
    messages: list[Message],
    runs: list[Run],
    charts: list[Chart],
    results: Mapping[str, str] | None = None,
    calls: Mapping[str, Sequence[Call]] | None = None,
    feedback: Mapping[str, Feedback] | None = None,
) -> str:
    """`results`: the stored `result` frame (JSON) by run id; `calls` and `feedback` by run id."""
    runs_by_id = {r.id: r for r in runs}
    charts_by_run: dict[str, list[Chart]] = {}
    for chart in charts:
        charts_by_run.setdefault(chart.run_id, []).append(chart)
    lines = [
        f"# {conversation.title}",
        "",
        f"_Exported from CryptoDesk. Conversation `{conversation.id}`, started "
        f"{conversation.created_at:%Y-%m-%d %H:%M} UTC._",
        "",
    ]
    answered: set[str] = set()
    for message in messages:
        when = f"{message.created_at:%Y-%m-%d %H:%M:%S} UTC"
        if message.role == "user":
            lines += ["---", "", f"## Question ({when})", "", message.content, ""]
            run = runs_by_id.get(message.run_id or "")
            if run is not None and run.status != "completed":
                reason = f": {run.error_message}" if run.error_message else ""
                lines += [f"> Run `{run.id}` ended **{run.status}**{reason}", ""]
        else:
            result = _result((results or {}).get(message.run_id or ""))
            content = marked(message.content, result.grounding if result else None)
            lines += [f"## Answer ({when})", "", content.rstrip(), ""]
            if message.run_id and message.run_id not in answered:
                answered.add(message.run_id)
                run_id = message.run_id
                lines += _result_lines(result, (calls or {}).get(run_id, ()))
                lines += _feedback_line((feedback or {}).get(run_id))
                for chart in charts_by_run.get(run_id, []):
                    lines.append(f"- Chart: {chart.title} ({chart_url(chart.id)})")
                lines.append("")
    # Printed in a terminal or opened elsewhere: no escape sequences, no reversed names.
    return scrub(display_text("\n".join(lines).rstrip() + "\n", multiline=True))
