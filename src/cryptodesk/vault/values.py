"""What a secret value may be: checked by every backend before it stores one, and by the clients
that send one as an HTTP header (a value from the environment is never checked on the way in).

The reasons name the kind of character, never the value or where in it the character is.
"""

from __future__ import annotations

from pydantic import SecretStr

from cryptodesk.errors import InvalidSecretError
from cryptodesk.vault.names import SPECS, VaultKey


def problem(value: str, *, header: bool) -> str | None:
    """Why `value` cannot be a secret (sent as an HTTP header when `header`), or None."""
    if not value:
        return "is empty"
    if not value.isprintable():
        return (
            "contains control or invisible characters (a line break, tab, NUL, escape or "
            "zero-width space)"
        )
    if any(c.isspace() for c in value):
        return "contains spaces"
    if header and not value.isascii():
        return "contains non-ASCII characters, which an HTTP header cannot carry"
    return None


def checked(name: VaultKey, value: SecretStr) -> SecretStr:
    """`value` without surrounding whitespace; raises `InvalidSecretError` when it breaks a
    rule above (the CLI and the API say so with a reason, and nothing is stored)."""
    plain = value.get_secret_value().strip()
    # A notification target's URL is never sent as a header (Apprise reads it).
    header = any(spec.header for key, spec in SPECS.items() if key == name)
    why = problem(plain, header=header)
    if why is not None:
        raise InvalidSecretError(name, why)
    return SecretStr(plain)
