"""Titles and the export are text for people: no empty titles, no control characters (NUL,
ESC: terminal escapes when an export is printed), no bidirectional overrides (names that
read backwards in the history)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.runtime.client import ask, chat
from tests.runtime.server import LiveServer

HIDDEN = ("\x00", "\x1b", "\x9b", "\u202e", "\u2066")
HOSTILE = "BTC\x1b[31m price\x00 \u202eeulav\u202c \u2066now\u2069?"


@pytest.fixture
def conversation(offline_server: LiveServer) -> str:
    frames = asyncio.run(ask(offline_server.ws, chat("What is the price of Bitcoin?")))
    return str(frames[0]["conversation_id"])


@pytest.mark.parametrize(
    "title",
    ["", "   ", "\t\n", "name\x00", "\x1b[2Jname", "evil\u202egnp.exe", "a\u2066b\u2069"],
)
def test_titles_rename_refuses_empty_and_hidden_characters(
    offline_server: LiveServer, conversation: str, title: str
) -> None:
    url = f"{offline_server.http}/api/v1/conversations/{conversation}"
    before = httpx.get(url).json()["title"]
    response = httpx.patch(url, json={"title": title})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == "title"
    assert httpx.get(url).json()["title"] == before


def test_titles_rename_is_stripped(offline_server: LiveServer, conversation: str) -> None:
    url = f"{offline_server.http}/api/v1/conversations/{conversation}"
    renamed = httpx.patch(url, json={"title": "  Bitcoin, this week  "})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Bitcoin, this week"
    assert httpx.get(url).json()["title"] == "Bitcoin, this week"


async def test_titles_from_a_hostile_question_and_its_export_are_neutralised(
    offline_server: LiveServer,
) -> None:
    frames = await ask(offline_server.ws, chat(HOSTILE))
    conversation = frames[0]["conversation_id"]
    base = f"{offline_server.http}/api/v1/conversations"
    title = httpx.get(f"{base}/{conversation}").json()["title"]
    assert title == "BTC[31m price eulav now?"
    listed = httpx.get(base).json()["items"]
    assert {item["title"] for item in listed if item["id"] == conversation} == {title}
    export = httpx.get(f"{base}/{conversation}/export").text
    assert f"# {title}" in export
    assert "BTC[31m price eulav now?" in export  # the question, visible text kept
    assert not any(char in export for char in HIDDEN)
    assert "\r" not in export
