"""The local vault's master key: CRYPTODESK_MASTER_KEY, else the OS keyring, else a key file.

A generated key goes to the OS keyring when a usable backend exists, else to a file created with
0600 permissions in the per-user config directory: never in the data directory beside the
ciphertext. Rotation stages the new key first (keyring entry or `.next` file) and promotes it
after the secrets are re-encrypted, so a crash in between loses nothing. Sync: called from a
worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet

from cryptodesk.config import Settings
from cryptodesk.errors import VaultError

log = logging.getLogger(__name__)

KeySource = Literal["env", "keyring", "file"]
KEYRING_SERVICE = "cryptodesk"
KEYRING_USER = "vault-master-key"
KEYRING_STAGED = "vault-master-key-next"
GENERATE_HINT = (
    "generate one with: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)


def key_id(key: bytes) -> str:
    """A fingerprint that tells keys apart without revealing them."""
    return hashlib.sha256(b"cryptodesk-vault-key:" + key).hexdigest()[:16]


def fernet(key: bytes, where: str) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError) as exc:
        raise VaultError(
            f"the master key from {where} is not a Fernet key (32 url-safe base64-encoded "
            f"bytes); {GENERATE_HINT}"
        ) from exc


@dataclass(frozen=True, slots=True)
class MasterKey:
    key: bytes
    source: KeySource

    @property
    def id(self) -> str:
        return key_id(self.key)

    def __repr__(self) -> str:
        return f"MasterKey(source={self.source!r}, id={self.id!r})"


class KeyStore:
    def __init__(self, settings: Settings) -> None:
        self._env = settings.master_key
        self.file = settings.resolved_key_file
        self._use_keyring = settings.vault_keyring
        data_dir = settings.data_dir.expanduser().resolve()
        if self.file.expanduser().resolve().is_relative_to(data_dir):
            raise VaultError(
                f"the master key file {self.file} is inside the data directory {data_dir}: "
                "keep it apart from the ciphertext (set CRYPTODESK_VAULT_KEY_FILE elsewhere)"
            )

    def describe(self) -> str:
        if self._env is not None:
            return "CRYPTODESK_MASTER_KEY"
        if self._keyring_usable():
            return "the OS keyring (or the key file, if one exists)"
        return f"key file {self.file}"

    # ------------------------------------------------------------------ current key

    def load(self) -> MasterKey | None:
        """The current key, or None when none was ever generated."""
        if self._env is not None:
            raw = self._env.get_secret_value().strip().encode()
            fernet(raw, "CRYPTODESK_MASTER_KEY")
            return MasterKey(raw, "env")
        if self._keyring_usable():
            stored = self._keyring_get(KEYRING_USER)
            if stored is not None:
                return MasterKey(stored, "keyring")
        if self.file.exists():
            return MasterKey(self._read_file(self.file), "file")
        return None

    def create(self) -> MasterKey:
        """Generates and keeps the first key (keyring if usable, else the key file)."""
        if self._env is not None:
            raise VaultError("CRYPTODESK_MASTER_KEY is set: CryptoDesk never replaces it")
        key = Fernet.generate_key()
        if self._keyring_usable():
            self._keyring_set(KEYRING_USER, key)
            log.info("generated the vault master key in the OS keyring")
            return MasterKey(key, "keyring")
        self._write_file(self.file, key)
        log.info("generated the vault master key in %s", self.file)
        return MasterKey(key, "file")

    # ------------------------------------------------------------------ rotation

    def staged(self) -> bytes | None:
        """A key `stage()` kept but `promote()` did not finish with (after a crash)."""
        if self._keyring_usable():
            found = self._keyring_get(KEYRING_STAGED)
            if found is not None:
                return found
        staged = self._staged_file
        return self._read_file(staged) if staged.exists() else None

    def stage(self, current: MasterKey, new: bytes) -> None:
        if current.source == "keyring":
            self._keyring_set(KEYRING_STAGED, new)
        elif current.source == "file":
            self._write_file(self._staged_file, new)

    def promote(self, current: MasterKey, new: bytes) -> MasterKey:
        if current.source == "keyring":
            self._keyring_set(KEYRING_USER, new)
            self._keyring_delete(KEYRING_STAGED)
        elif current.source == "file":
            self._staged_file.replace(self.file)
        return MasterKey(new, current.source)

    @property
    def _staged_file(self) -> Path:
        return self.file.with_name(self.file.name + ".next")

    # ------------------------------------------------------------------ keyring

    def _keyring_usable(self) -> bool:
        if not self._use_keyring:
            return False
        try:
            import keyring
            from keyring.backends import fail, null
        except ImportError:
            return False
        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring):
            return False
        return float(getattr(backend, "priority", 0)) > 0

    def _keyring_get(self, user: str) -> bytes | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            value = keyring.get_password(KEYRING_SERVICE, user)
        except KeyringError as exc:
            raise VaultError(f"the OS keyring could not be read: {type(exc).__name__}") from exc
        return value.encode() if value else None

    def _keyring_set(self, user: str, key: bytes) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(KEYRING_SERVICE, user, key.decode())
        except KeyringError as exc:
            raise VaultError(f"the OS keyring could not be written: {type(exc).__name__}") from exc

    def _keyring_delete(self, user: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        with contextlib.suppress(KeyringError):
            keyring.delete_password(KEYRING_SERVICE, user)

    # ------------------------------------------------------------------ key file

    def _read_file(self, path: Path) -> bytes:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise VaultError(
                f"the master key file {path} can be read by other users "
                f"(mode {stat.S_IMODE(mode):o}): run chmod 600 {path}"
            )
        key = path.read_bytes().strip()
        fernet(key, str(path))
        return key

    def _write_file(self, path: Path, key: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, key + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)  # atomic: readers see the old key or the new one
