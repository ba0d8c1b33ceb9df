"""Domain events to protocol frames: the one place that stamps run id, `seq` and time."""

from __future__ import annotations

from cryptodesk.domain.events import (
    AgentStep,
    ChartCreated,
    DomainEvent,
    Progress,
    Report,
    RunError,
    ToolCalled,
    ToolFinished,
    Usage,
)
from cryptodesk.domain.format import clip
from cryptodesk.realtime.protocol import (
    PREVIEW_CHARS,
    AgentStepFrame,
    ChartGeneratedFrame,
    ErrorFrame,
    EstimateModel,
    ProgressFrame,
    ResultFrame,
    RunFrame,
    ToolCallFrame,
    ToolResultFrame,
    UsageModel,
)
from cryptodesk.redaction import redact_arguments


def chart_url(chart_id: str) -> str:
    return f"/api/v1/charts/{chart_id}"


def _usage(usage: Usage) -> UsageModel:
    return UsageModel(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=usage.cost_usd,
    )


def to_frame(event: DomainEvent, run_id: str, conversation_id: str, seq: int) -> RunFrame:
    ids = {"run_id": run_id, "conversation_id": conversation_id, "seq": seq}
    match event:
        case AgentStep():
            return AgentStepFrame(
                agent=event.agent,
                emoji=event.emoji,
                status=event.status,
                message=event.message,
                step_id=event.step_id,
                delta=event.delta,
                **ids,
            )
        case Progress():
            turns = max(event.max_turns, 1)
            pct = round(min(event.current_turn, turns) * 100.0 / turns, 2)
            spent = event.spent
            estimate = event.estimate
            return ProgressFrame(
                current_turn=event.current_turn,
                max_turns=turns,
                percentage=pct,
                spent=_usage(spent) if spent is not None else None,
                estimate=EstimateModel(
                    llm_calls=estimate.llm_calls,
                    prompt_tokens=estimate.prompt_tokens,
                    completion_tokens=estimate.completion_tokens,
                    cost_usd=estimate.cost_usd,
                )
                if estimate is not None
                else None,
                **ids,
            )
        case ToolCalled():
            return ToolCallFrame(
                agent=event.agent,
                tool_name=event.tool_name,
                arguments=redact_arguments(event.arguments),
                call_id=event.call_id,
                **ids,
            )
        case ToolFinished():
            preview = clip(event.result_preview, PREVIEW_CHARS)
            return ToolResultFrame(
                tool_name=event.tool_name,
                call_id=event.call_id,
                success=event.success,
                result_preview=preview,
                duration_ms=max(event.duration_ms, 0),
                error=event.error,
                **ids,
            )
        case ChartCreated():
            return ChartGeneratedFrame(
                chart_id=event.chart_id,
                url=chart_url(event.chart_id),
                symbol=event.symbol,
                interval=event.interval,
                title=event.title,
                **ids,
            )
        case Report():
            return ResultFrame(
                content=event.content,
                agents_used=list(event.agents_used),
                charts=list(event.charts),
                engine=event.engine,
                usage=_usage(event.usage),
                data_labels=list(event.data_labels),
                outlook=list(event.outlook),
                answer_kind=event.answer_kind,
                bottom_line=event.bottom_line,
                grounding=event.grounding,
                watch_actions=list(event.watch_actions) or None,
                **ids,
            )
        case RunError():
            return ErrorFrame(
                code=event.code,
                message=event.message,
                details=event.details,
                recoverable=event.recoverable,
                **ids,
            )
