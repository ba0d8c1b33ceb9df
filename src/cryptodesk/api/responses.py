"""The error answers of the REST API as the OpenAPI document declares them.

Every error body is `{"detail", "code"}` (`api/errors.py` builds them); a request that breaks
the schema gets `{"detail": [{"loc", "msg", "type"}], "code": "bad_request"}`, and a settings
change that breaks a rule also gets `reasons` per field. Routes declare the statuses they can
answer with `errors(...)`, so the document matches what the server sends.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong, for a person to read (never a secret).")
    code: str = Field(description="A stable code: not_found, conflict, storage_full, ...")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the field.")
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    detail: list[FieldError]
    code: Literal["bad_request"]


class InvalidSettingsBody(ErrorBody):
    code: Literal["invalid_settings", "invalid_secret"]
    reasons: dict[str, str] = Field(description="Why, per field.")


FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def with_our_validation_errors(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with FastAPI's own 422 body (which it adds to every route with
    parameters) replaced by the one `api/errors.py` sends."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    ours = ValidationErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(ours.pop("$defs", {}))
    schemas[ValidationErrorBody.__name__] = ours
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    if content.get("schema") == {"$ref": FASTAPI_422}:
                        content["schema"] = {"$ref": f"#/components/schemas/{ours['title']}"}
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return document


STORAGE = (503, 507)
"""Every route that reads or writes the database."""

_DESCRIPTIONS: dict[int, str] = {
    400: "The body could not be read (not UTF-8 JSON).",
    404: "No such id, or no such API path.",
    405: "The path exists; the `Allow` header lists its methods.",
    409: "The request clashes with the current state (an active run, a read-only vault).",
    413: "The body is larger than the server takes (1 MiB for the API).",
    422: "A parameter or the body breaks the schema.",
    429: "The market data's rate budget is spent: retry after a while.",
    502: "The market data source failed or could not be reached.",
    503: "The database or the vault cannot be used now (unreachable, locked, damaged).",
    507: "The disk is full: nothing was changed. Free some space and retry.",
}


def errors(
    *statuses: int,
    settings_rules: bool = False,
    unprocessable: bool = False,
    success: dict[str, Any] | None = None,
    json_route: bool = True,
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that answers these error statuses. `settings_rules`: its 422
    may also be a rule of the settings (with `reasons`); `unprocessable`: its 422 may also be
    a request that cannot be carried out (`{detail, code}`); `success` describes its 200. A route
    whose answer is not JSON (`json_route=False`) names the error schema itself: FastAPI would
    file an error model under the route's own media type."""
    declared: dict[int | str, dict[str, Any]] = {200: success} if success else {}
    for status in statuses:
        model: Any = ErrorBody
        if status == 422:
            model = (
                ValidationErrorBody | InvalidSettingsBody if settings_rules else ValidationErrorBody
            )
            if unprocessable:
                model = ValidationErrorBody | ErrorBody
        if json_route:
            declared[status] = {"model": model, "description": _DESCRIPTIONS[status]}
        else:
            schema = {"$ref": f"#/components/schemas/{model.__name__}"}
            declared[status] = {
                "description": _DESCRIPTIONS[status],
                "content": {"application/json": {"schema": schema}},
            }
    return declared
