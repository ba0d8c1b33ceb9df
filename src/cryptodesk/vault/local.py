"""The encrypted local store: one JSON file of Fernet tokens in the data directory.

Every write goes to a temporary file that replaces the old one (`os.replace`), under a thread
lock and an exclusive `flock` on a lock file, so a server and a `cryptodesk vault` command can
write at the same time. The file records the id (a fingerprint) of the key it was encrypted
with: a wrong key is reported as such, a modified token as modified, and nothing is rewritten
after an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from cryptodesk.config import Settings
from cryptodesk.errors import StorageError, StorageFullError, VaultError
from cryptodesk.filemodes import private_dir
from cryptodesk.vault.base import StoredSecret, VaultContents
from cryptodesk.vault.keys import KeyStore, MasterKey, fernet, key_id
from cryptodesk.vault.names import SECRET_NAMES, SecretName, VaultKey
from cryptodesk.vault.values import checked

FORMAT = "cryptodesk-vault"
VERSION = 1
T = TypeVar("T")
Document = dict[str, Any]


class LocalVault:
    name = "local"
    writable = True

    def __init__(self, settings: Settings, keys: KeyStore | None = None) -> None:
        self.path = settings.data_dir / "secrets.json"
        self.keys = keys or KeyStore(settings)
        self._thread_lock = threading.Lock()

    def describe(self) -> str:
        return f"encrypted file {self.path}, master key from {self.keys.describe()}"

    # ------------------------------------------------------------------ async API

    async def get(self, name: VaultKey) -> SecretStr | None:
        return await self._run(lambda: self._get(name))

    async def items(self) -> VaultContents:
        return await self._run(self._items)

    async def set(self, name: VaultKey, value: SecretStr) -> None:
        value = checked(name, value)
        await self._run(lambda: self._set(name, value))

    async def delete(self, name: VaultKey) -> bool:
        return await self._run(lambda: self._delete(name))

    async def rotate_key(self) -> tuple[MasterKey, int]:
        """Re-encrypts every secret with a new key; returns the key and how many secrets."""
        return await self._run(self._rotate)

    async def aclose(self) -> None:
        return None

    async def _run(self, work: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(self._locked, work)
        except OSError as exc:  # a full disk, a read-only or vanished directory
            raise _storage_error(self.path, exc) from exc

    # ------------------------------------------------------------------ under the locks

    def _locked(self, work: Callable[[], T]) -> T:
        with self._thread_lock, self._file_lock():
            return work()

    def _get(self, name: VaultKey) -> SecretStr | None:
        doc = self._read()
        entry = doc["secrets"].get(name)
        if entry is None:
            return None
        return self._decrypt(self._unlock(doc)[1], name, entry)

    def _items(self) -> VaultContents:
        doc = self._read()
        if not doc["secrets"]:
            return VaultContents()
        box = self._unlock(doc)[1]
        found: list[StoredSecret] = []
        damaged: dict[SecretName, str] = {}
        for name in SECRET_NAMES:
            entry = doc["secrets"].get(name)
            if entry is None:
                continue
            try:
                value = self._decrypt(box, name, entry)
            except VaultError as exc:
                damaged[name] = exc.message
                continue
            found.append(StoredSecret(name, value, _parse_time(entry.get("updated_at"))))
        return VaultContents(tuple(found), damaged)

    def _set(self, name: VaultKey, value: SecretStr) -> None:
        doc = self._read()
        if doc["secrets"]:
            key, box = self._unlock(doc)
        else:
            key = self.keys.load() or self.keys.create()
            box = fernet(key.key, key.source)
        token = box.encrypt(json.dumps({"v": value.get_secret_value()}).encode())
        doc["key_id"] = key.id
        doc["secrets"][name] = {"token": token.decode(), "updated_at": _now()}
        self._write(doc)

    def _delete(self, name: VaultKey) -> bool:
        doc = self._read()
        if name not in doc["secrets"]:
            return False
        self._unlock(doc)  # a wrong key must not be able to delete
        del doc["secrets"][name]
        self._write(doc)
        return True

    def _rotate(self) -> tuple[MasterKey, int]:
        doc = self._read()
        current = self.keys.load() or self.keys.create()
        values: dict[str, tuple[str, Any]] = {}
        if doc["secrets"]:
            current, box = self._unlock(doc)
            for name, entry in doc["secrets"].items():
                plain = self._decrypt(box, name, entry).get_secret_value()
                values[name] = (plain, entry.get("updated_at"))
        new = Fernet.generate_key()
        self.keys.stage(current, new)
        box = Fernet(new)
        doc["key_id"] = key_id(new)
        doc["secrets"] = {
            name: {"token": box.encrypt(json.dumps({"v": v}).encode()).decode(), "updated_at": t}
            for name, (v, t) in values.items()
        }
        self._write(doc)
        return self.keys.promote(current, new), len(values)

    # ------------------------------------------------------------------ file and crypto

    def _unlock(self, doc: Document) -> tuple[MasterKey, Fernet]:
        key = self.keys.load()
        if key is None:
            raise VaultError(
                f"{self.path} holds secrets but no master key was found ({self.keys.describe()}):"
                " set CRYPTODESK_MASTER_KEY to the key they were encrypted with"
            )
        wanted = doc.get("key_id")
        if wanted is not None and wanted != key.id:
            staged = self.keys.staged()
            if staged is not None and key_id(staged) == wanted:
                key = self.keys.promote(key, staged)  # finish a rotation a crash interrupted
            else:
                raise VaultError(
                    f"wrong master key: {self.path} was encrypted with key {wanted}, the key "
                    f"from {key.source} is {key.id}; nothing was read or changed"
                )
        return key, fernet(key.key, key.source)

    def _decrypt(self, box: Fernet, name: str, entry: Any) -> SecretStr:
        try:
            token = entry["token"].encode()
            payload = json.loads(box.decrypt(token))
            return SecretStr(str(payload["v"]))
        except (InvalidToken, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise VaultError(
                f"secret {name!r} in {self.path} cannot be decrypted: its ciphertext was "
                "modified or damaged; set it again (other secrets are unaffected)"
            ) from exc

    def _read(self) -> Document:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"format": FORMAT, "version": VERSION, "key_id": None, "secrets": {}}
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT or not isinstance(doc.get("secrets"), dict):
                raise ValueError("not a vault document")
        except (ValueError, AttributeError) as exc:
            raise VaultError(
                f"{self.path} is not a CryptoDesk vault file (damaged or modified); it was left "
                "untouched: restore it from a backup or move it away to start empty"
            ) from exc
        if doc.get("version") != VERSION:
            raise VaultError(f"{self.path} has vault format version {doc.get('version')!r}")
        return dict(doc)

    def _write(self, doc: Document) -> None:
        private_dir(self.path.parent)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:  # writes it all, or raises (a full disk)
                handle.write(json.dumps(doc, indent=1, sort_keys=True).encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(self.path)  # atomic (os.replace): the old file or the new one
        except BaseException:
            tmp.unlink(missing_ok=True)  # the old file stays as it was
            raise

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if sys.platform == "win32":  # pragma: no cover - the thread lock still serialises
            yield
            return
        import fcntl

        private_dir(self.path.parent)
        lock_path: Path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _storage_error(path: Path, exc: OSError) -> StorageError:
    where = f"the vault file {path}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFullError(where)
    return StorageError(where, exc.strerror or type(exc).__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
