"""A real server that requires the access token (limit: 3 failed attempts a minute)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.access.tokens import TOKEN
from tests.runtime.server import LiveServer, running


@pytest.fixture
def guarded_settings(replay_settings: Settings) -> Settings:
    return replay_settings.model_copy(
        update={"access_token": SecretStr(TOKEN), "login_attempts_per_minute": 3}
    )


@pytest.fixture
def guarded(guarded_settings: Settings) -> Iterator[LiveServer]:
    with running(create_app(guarded_settings)) as server:
        yield server
