"""What CryptoDesk keeps on disk is private to the user who runs it.

The data directory is 0700 and the SQLite database (with its -wal and -shm files) 0600, like the
vault's files. Installations made before this rule are fixed at start-up, but only for files we
own: a directory someone else set up for us keeps the modes they chose.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> None:
    """Creates `path` (and missing parents) 0700, or narrows an existing one we own to 0700."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _narrow(path, PRIVATE_DIR)


def private_file(path: Path, *, create: bool = False) -> None:
    """Narrows `path` to 0600 when we own it; with `create`, makes it empty and 0600 first."""
    if create:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except FileExistsError:
            pass
    if path.exists():
        _narrow(path, PRIVATE_FILE)


def _narrow(path: Path, mode: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - no POSIX modes; the profile dir is private
        return
    info = path.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) == mode:
        return
    path.chmod(mode)
    log.info("made %s private (mode %o, was %o)", path, mode, stat.S_IMODE(info.st_mode))
