"""One process serves a SQLite database: an exclusive `flock` on a file beside it.

SQLite itself lets several processes write one file, but CryptoDesk on SQLite has no lease
renewals seen by others, no doorbell and no cross-process cancel: a second server on the same
file would end the first one's runs as orphans at its start and never show them live. So the
process that opens a desk on a SQLite file holds this lock for its lifetime, and another one
(`cryptodesk serve`, or `cryptodesk ask` without `--server`) is refused with a clear message.
The kernel drops the lock when the process dies, however it dies. Several replicas need
PostgreSQL.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from cryptodesk.errors import DatabaseInUseError
from cryptodesk.filemodes import private_file


class ServingLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".serving")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Takes the lock; `DatabaseInUseError` when another process holds it."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        private_file(self.path, create=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUseError(f"the database {self.database}") from None
        except BaseException:
            os.close(fd)
            raise
        # Who holds it, for a person looking at the file (the lock itself is the flock).
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
