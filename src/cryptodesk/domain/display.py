"""Text that people read (titles, the markdown export) without what could deceive them or their
terminal: C0 and C1 control characters (NUL, ESC and its terminal sequences) and the Unicode
bidirectional overrides and isolates that make a name read backwards (U+202A-U+202E,
U+2066-U+2069)."""

from __future__ import annotations

import re

_BIDI = "\u202a-\u202e\u2066-\u2069"
_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")
_TEXT = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}]")  # keeps tab and newline


def display_text(text: str, *, multiline: bool = False) -> str:
    """`text` without control characters and bidirectional overrides; a single line unless
    `multiline` (then tabs and line breaks stay, carriage returns go)."""
    return (_TEXT if multiline else _LINE).sub("", text)


def has_hidden_characters(text: str) -> bool:
    """Whether a single line of text holds anything `display_text` would remove."""
    return _LINE.search(text) is not None
