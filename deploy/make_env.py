#!/usr/bin/env python3
"""Writes the secrets of the compose stacks: cryptodesk.env and postgres.env (docs/deploy.md).

    python3 deploy/make_env.py [DIRECTORY]     (default: this deploy/ directory)

Fresh random values for the access token, the vault master key (a Fernet key) and the
PostgreSQL password, which CryptoDesk's database URL repeats. Files are created with mode 0600
and never overwritten: the database and the vault keep the secrets they were made with. Back
up cryptodesk.env: without its CRYPTODESK_MASTER_KEY the secrets in the vault are lost.
Only the standard library: it runs before anything is installed.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

DATABASE = "postgresql+asyncpg://cryptodesk:{password}@db:5432/cryptodesk"


def contents() -> dict[str, str]:
    password = secrets.token_hex(24)  # hex needs no quoting inside a URL
    master_key = base64.urlsafe_b64encode(os.urandom(32)).decode()  # what Fernet expects
    return {
        "cryptodesk.env": (
            "# CryptoDesk's secrets (deploy/make_env.py). Keep a copy somewhere safe.\n"
            f"CRYPTODESK_ACCESS_TOKEN={secrets.token_urlsafe(32)}\n"
            f"CRYPTODESK_MASTER_KEY={master_key}\n"
            f"CRYPTODESK_DATABASE_URL={DATABASE.format(password=password)}\n"
        ),
        "postgres.env": (
            "# The PostgreSQL password (deploy/make_env.py); cryptodesk.env's URL repeats it.\n"
            f"POSTGRES_PASSWORD={password}\n"
        ),
    }


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    files = contents()
    existing = [name for name in files if (target / name).exists()]
    if existing:
        print(
            f"{', '.join(existing)} already in {target}: left as they are (the database and "
            "the vault were made with those secrets). Remove them first to start afresh.",
            file=sys.stderr,
        )
        return 1
    for name, text in files.items():
        fd = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    print(f"wrote {', '.join(files)} in {target} (mode 0600); keep a copy of cryptodesk.env")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
