"""PROTOCOL.md's invariants, checked on one run's frames."""

from __future__ import annotations

from typing import Any

from cryptodesk.realtime.protocol import server_frame_adapter

TERMINAL = {"completed", "cancelled", "failed"}


def check_run(frames: list[dict[str, Any]], *, expect: str | None = None) -> None:
    assert frames, "no frames"
    run_ids = {f["run_id"] for f in frames}
    assert len(run_ids) == 1, run_ids
    for frame in frames:
        server_frame_adapter.validate_python(frame)
        assert frame["v"] == 1
        assert frame["timestamp"]
    # 1. seq starts at 1 and has no gaps
    assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))
    # the seed's event flow starts with initializing, processing
    assert (frames[0]["type"], frames[0]["status"]) == ("status", "initializing")
    assert (frames[1]["type"], frames[1]["status"]) == ("status", "processing")
    # 2. every tool_result follows its tool_call
    open_calls: dict[str, str] = {}
    for frame in frames:
        if frame["type"] == "tool_call":
            assert frame["call_id"] not in open_calls
            open_calls[frame["call_id"]] = frame["tool_name"]
        elif frame["type"] == "tool_result":
            assert open_calls.get(frame["call_id"]) == frame["tool_name"], frame
            assert len(frame["result_preview"]) <= 500
    # 3. exactly one terminal status, and it is last
    finals = [f for f in frames if f["type"] == "status" and f.get("final")]
    assert len(finals) == 1, finals
    assert frames[-1] is finals[0]
    assert finals[0]["status"] in TERMINAL
    if expect is not None:
        assert finals[0]["status"] == expect, finals[0]
    for i, frame in enumerate(frames):
        if frame["type"] == "error" and not frame["recoverable"]:
            assert frames[-1]["status"] == "failed"
            assert i < len(frames) - 1
    if finals[0]["status"] == "completed":
        results = [f for f in frames if f["type"] == "result"]
        assert len(results) == 1
        assert frames[-2]["type"] == "result"
