"""Secrets: an encrypted local store (default), the environment (read-only) or Azure Key Vault.

Values are `SecretStr` from the moment they are read; they fill the same `Settings` fields as
the CRYPTODESK_* variables (`names.py`), and nothing here logs, prints or raises with a value.
"""

from cryptodesk.vault.base import SecretsBackend, StoredSecret
from cryptodesk.vault.names import SECRET_NAMES, SPECS, SecretName
from cryptodesk.vault.selection import open_vault

__all__ = ["SECRET_NAMES", "SPECS", "SecretName", "SecretsBackend", "StoredSecret", "open_vault"]
