"""Settings: read and change what is not secret; secrets are write-only; test a configuration."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.errors import NotFoundError
from cryptodesk.settings.checks import check_exchange, check_llm, check_market
from cryptodesk.settings.editable import EditableSettings
from cryptodesk.settings.schemas import CheckTarget, SecretIn, SecretStatus, SettingsOut, Verdict
from cryptodesk.vault.names import SecretName

router = APIRouter(prefix="/api/v1/settings", tags=["settings"])


@router.get("", response_model=SettingsOut, responses=errors(*STORAGE))
async def read_settings(desk: DeskDep) -> SettingsOut:
    return await desk.settings_service.view(desk.settings, desk.engines.describe())


@router.put(
    "", response_model=SettingsOut, responses=errors(400, 413, 422, *STORAGE, settings_rules=True)
)
async def change_settings(patch: EditableSettings, desk: DeskDep) -> SettingsOut:
    """Absent fields stay; `null` returns a field to its environment value or default. Applies
    to the next run (running runs keep theirs)."""
    await desk.settings_service.update(patch)
    await desk.reload_settings()
    return await desk.settings_service.view(desk.settings, desk.engines.describe())


@router.get("/secrets", response_model=list[SecretStatus], responses=errors(503))
async def list_secrets(desk: DeskDep) -> list[SecretStatus]:
    return await desk.settings_service.secrets(desk.settings)


@router.put(
    "/secrets/{name}",
    response_model=SecretStatus,
    responses=errors(400, 409, 413, 422, *STORAGE, settings_rules=True),
)
async def put_secret(name: SecretName, body: SecretIn, desk: DeskDep) -> SecretStatus:
    """Stores the secret in the vault; the answer shows its status, never its value."""
    await desk.settings_service.set_secret(name, body.value)
    await desk.reload_settings()
    return _status(await desk.settings_service.secrets(desk.settings), name)


@router.delete("/secrets/{name}", status_code=204, responses=errors(404, 409, 422, *STORAGE))
async def delete_secret(name: SecretName, desk: DeskDep) -> Response:
    if not await desk.settings_service.delete_secret(name):
        raise NotFoundError("secret", name)
    await desk.reload_settings()
    return Response(status_code=204)


@router.post("/test/{target}", response_model=Verdict, responses=errors(422, *STORAGE))
async def test_settings(target: CheckTarget, desk: DeskDep) -> Verdict:
    """A real request with the settings in force; the verdict says what worked and why not."""
    if target == "llm":
        return await check_llm(desk.settings)
    if target == "exchange":
        return await check_exchange(desk.settings, desk.build_exchange)
    return await check_market(desk.settings)


def _status(statuses: list[SecretStatus], name: SecretName) -> SecretStatus:
    return next(status for status in statuses if status.name == name)
