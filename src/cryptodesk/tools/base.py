"""What every tool is made of: its context, its result base class and the tool itself."""

from __future__ import annotations

import copy
import functools
from abc import abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from cryptodesk.domain.events import DomainEvent
from cryptodesk.domain.format import clip
from cryptodesk.errors import ToolError
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.context import ChartStore, WatchBook
from cryptodesk.tools.memo import RunMemo

PREVIEW_LIMIT = 500
SIMULATED_PREFIX = "⚠️ SIMULATED demo data: "


@dataclass(frozen=True, slots=True)
class ToolContext:
    """Everything a tool may touch. `memo` keeps one run's candles and indicators."""

    market: MarketDataService
    charts: ChartStore
    run_id: str
    conversation_id: str
    memo: RunMemo = field(default_factory=RunMemo)
    exchange: ExchangeService | None = None
    watch: WatchBook | None = None


class ToolResult(BaseModel):
    """A tool's full result; `preview()` is the compact text agents and the UI see first."""

    model_config = ConfigDict(frozen=True)

    simulated: bool

    @abstractmethod
    def summary(self) -> str:
        """One compact line of what the tool found, for agents and the UI."""

    def preview(self) -> str:
        prefix = SIMULATED_PREFIX if self.simulated else ""
        return clip(prefix + self.summary(), PREVIEW_LIMIT)

    def events(self) -> tuple[DomainEvent, ...]:
        """Domain events the invoker emits after the tool finished (e.g. `ChartCreated`)."""
        return ()


@functools.cache
def _json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Generated once per model: every LLM run hands the agents their tools' schemas."""
    return model.model_json_schema()


ArgsT = TypeVar("ArgsT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=ToolResult)


def describe_validation(tool: str, error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in issue['loc']) or 'arguments'}: {issue['msg']}"
        for issue in error.errors()
    )
    return f"invalid arguments for {tool}: {problems}"


@dataclass(frozen=True, slots=True)
class Tool(Generic[ArgsT, ResultT]):
    name: str
    description: str
    args_model: type[ArgsT]
    result_model: type[ResultT]
    implementation: Callable[[ToolContext, ArgsT], Awaitable[ResultT]]

    def args_schema(self) -> dict[str, Any]:
        return copy.deepcopy(_json_schema(self.args_model))

    def result_schema(self) -> dict[str, Any]:
        return copy.deepcopy(_json_schema(self.result_model))

    def parse(self, arguments: Mapping[str, object]) -> ArgsT:
        """Validated arguments; raises `ToolError` saying what is wrong."""
        try:
            return self.args_model.model_validate(dict(arguments))
        except ValidationError as e:
            raise ToolError(describe_validation(self.name, e)) from e

    async def invoke(self, context: ToolContext, arguments: Mapping[str, object]) -> ResultT:
        return await self.implementation(context, self.parse(arguments))


class AnyTool(Protocol):
    """A tool with its argument and result types erased, as the registry holds it."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def args_schema(self) -> dict[str, Any]: ...

    def result_schema(self) -> dict[str, Any]: ...

    async def invoke(self, context: ToolContext, arguments: Mapping[str, object]) -> ToolResult: ...
