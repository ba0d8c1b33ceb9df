"""A conversation as one markdown document (questions, reports, charts, run outcomes)."""

from __future__ import annotations

from cryptodesk.domain.display import display_text
from cryptodesk.redaction import scrub
from cryptodesk.runs.frames import chart_url
from cryptodesk.store.records import Chart, Conversation, Message, Run


def conversation_markdown(
    conversation: Conversation, messages: list[Message], runs: list[Run], charts: list[Chart]
) -> str:
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
            lines += [f"## Answer ({when})", "", message.content.rstrip(), ""]
            if message.run_id and message.run_id not in answered:
                answered.add(message.run_id)
                for chart in charts_by_run.get(message.run_id, []):
                    lines.append(f"- Chart: {chart.title} ({chart_url(chart.id)})")
                lines.append("")
    # Printed in a terminal or opened elsewhere: no escape sequences, no reversed names.
    return scrub(display_text("\n".join(lines).rstrip() + "\n", multiline=True))
