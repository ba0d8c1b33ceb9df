"""Redaction: secret-looking argument names, and the scrubbing of configured secret values from
frames, log records and text in every spelling they take there."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from cryptodesk.realtime.protocol import ErrorFrame, dump_frame
from cryptodesk.redaction import (
    REDACTED,
    SECRETS,
    Redactor,
    install_log_scrubbing,
    redact_arguments,
    scrub,
)

KEY = "CG-CANARY-crlf\r\nX-Injected: tail-7f3a9c"


@pytest.fixture
def registered() -> Iterator[str]:
    SECRETS.update("test-redaction", [SecretStr(KEY), "short", None])
    yield KEY
    SECRETS.forget("test-redaction")


SECRET_NAMES = ("key", "apiKey", "x-api-key", "Password", "passphrase", "access_token")


@pytest.mark.parametrize("name", [*SECRET_NAMES, "client_secret", "Authorization", "credentials"])
def test_redact_arguments_hides_secret_names(name: str) -> None:
    assert redact_arguments({name: "v"}) == {name: REDACTED}


@pytest.mark.parametrize("name", ["coin", "coins", "timeframe", "with_levels", "monkey_limit"])
def test_redact_arguments_keeps_ordinary_names(name: str) -> None:
    assert redact_arguments({name: "v"}) == {name: "v"}


def test_redact_arguments_goes_into_nested_mappings_and_lists() -> None:
    value = {"coin": "BTC", "options": [{"apiSecret": "s"}, {"depth": 5}]}
    assert redact_arguments(value) == {
        "coin": "BTC",
        "options": [{"apiSecret": REDACTED}, {"depth": 5}],
    }


@pytest.mark.parametrize(
    "spelled",
    [
        KEY,
        json.dumps(KEY)[1:-1],  # JSON
        repr(KEY.encode())[2:-1],  # httpx/h11: "Illegal header value b'...'"
        "CG-CANARY-crlf",  # a value cut at its line break
        "tail-7f3a9c",
    ],
)
def test_redactor_finds_every_spelling_of_a_value(spelled: str) -> None:
    text = f"before {spelled} after"
    cleaned = Redactor([KEY])(text)
    assert spelled not in cleaned and cleaned.startswith("before ") and REDACTED in cleaned


def test_redactor_leaves_short_values_alone() -> None:
    redactor = Redactor(["abc12"])
    assert redactor("abc12 and abc123") == "abc12 and abc123"
    assert not redactor and "abc12" not in repr(redactor)


def test_scrub_uses_the_registered_values_until_they_are_forgotten(registered: str) -> None:
    assert scrub(f"key={registered}") == f"key={REDACTED}"
    assert scrub("short") == "short"  # under the minimum length
    SECRETS.forget("test-redaction")
    assert scrub(f"key={registered}") == f"key={registered}"


def test_scrub_is_applied_where_every_frame_is_serialized(registered: str) -> None:
    frame = ErrorFrame(code="x", message=f"header value b'{registered!r}' refused", details=KEY)
    text = dump_frame(frame)
    assert "CG-CANARY" not in text and "tail-7f3a9c" not in text
    assert json.loads(text)["details"] == REDACTED


def test_scrubbed_log_records_keep_no_value_in_message_args_or_exception(
    registered: str, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_scrubbing()
    log = logging.getLogger("cryptodesk.test_redaction")
    with caplog.at_level(logging.DEBUG):
        log.debug("sending %s", registered)
        try:
            raise ValueError(f"Illegal header value {registered.encode()!r}")
        except ValueError:
            log.exception("request failed")
        log.info("nothing secret here: %d", 42)
    sending, failed, plain = caplog.records
    assert sending.getMessage() == f"sending {REDACTED}" and sending.args is None
    assert failed.exc_info is None and failed.exc_text is not None
    assert "ValueError" in failed.exc_text and "CG-CANARY" not in failed.exc_text
    assert plain.getMessage() == "nothing secret here: 42" and plain.args == (42,)
    assert "CG-CANARY" not in caplog.text and "tail-7f3a9c" not in caplog.text
