"""The backend CRYPTODESK_VAULT_BACKEND names."""

from __future__ import annotations

from cryptodesk.config import Settings
from cryptodesk.errors import VaultError
from cryptodesk.vault.base import SecretsBackend


def open_vault(settings: Settings) -> SecretsBackend:
    """The configured backend; raises `VaultError` when it cannot be set up."""
    if settings.vault_backend == "env":
        from cryptodesk.vault.env import EnvVault

        return EnvVault(settings)
    if settings.vault_backend == "azure":
        from cryptodesk.vault.azure import AzureKeyVault

        if not settings.azure_key_vault_url:
            raise VaultError(
                "CRYPTODESK_VAULT_BACKEND=azure needs CRYPTODESK_AZURE_KEY_VAULT_URL "
                "(https://NAME.vault.azure.net)"
            )
        return AzureKeyVault(settings.azure_key_vault_url)
    from cryptodesk.vault.local import LocalVault

    return LocalVault(settings)
