"""Azure Key Vault as the secrets backend (the optional extra: `cryptodesk[azure]`).

Secrets are named `cryptodesk-<name>` with dashes (Key Vault allows letters, digits and dashes).
The credential is `DefaultAzureCredential` (environment, managed identity, Azure CLI...); tests
pass their own and point the client at a loopback fake. SDK errors become `VaultError`s that
name the secret and the failure, never a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from cryptodesk.errors import VaultError
from cryptodesk.vault.base import StoredSecret, VaultContents
from cryptodesk.vault.names import SECRET_NAMES, SecretName, VaultKey
from cryptodesk.vault.values import checked

if TYPE_CHECKING:
    from azure.keyvault.secrets.aio import SecretClient

PREFIX = "cryptodesk-"
INSTALL_HINT = "install the extra: uv sync --extra azure (or pip install 'cryptodesk[azure]')"


def remote_name(name: VaultKey) -> str:
    return PREFIX + name.replace("_", "-")


class AzureKeyVault:
    name = "azure"
    writable = True

    def __init__(self, vault_url: str, credential: Any = None, **client_options: Any) -> None:
        """`credential` defaults to `DefaultAzureCredential`; `client_options` go to the SDK's
        `SecretClient` (tests: `connection_verify` for a loopback certificate)."""
        try:
            from azure.keyvault.secrets.aio import SecretClient
        except ImportError as exc:
            raise VaultError(f"vault backend azure needs the Azure SDK: {INSTALL_HINT}") from exc
        self._owns_credential = credential is None
        if credential is None:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential()
        self.vault_url = vault_url
        self._credential = credential
        self._client: SecretClient = SecretClient(vault_url, credential, **client_options)

    def describe(self) -> str:
        return f"Azure Key Vault {self.vault_url}"

    async def get(self, name: VaultKey) -> SecretStr | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            secret = await self._client.get_secret(remote_name(name))
        except ResourceNotFoundError:
            return None
        except Exception as exc:
            raise self._error("read", name, exc) from exc
        return SecretStr(secret.value) if secret.value else None

    async def items(self) -> VaultContents:
        wanted = {remote_name(n): n for n in SECRET_NAMES}
        found: list[StoredSecret] = []
        damaged: dict[SecretName, str] = {}
        try:
            async for props in self._client.list_properties_of_secrets():
                name = wanted.get(props.name or "")
                if name is None or props.enabled is False:
                    continue
                try:
                    value = await self.get(name)
                except VaultError as exc:  # this secret only: the others are still read
                    damaged[name] = exc.message
                    continue
                if value is not None:
                    found.append(StoredSecret(name, value, props.updated_on))
        except Exception as exc:
            raise self._error("list", None, exc) from exc
        return VaultContents(tuple(sorted(found, key=lambda s: s.name)), damaged)

    async def set(self, name: VaultKey, value: SecretStr) -> None:
        value = checked(name, value)
        try:
            await self._client.set_secret(remote_name(name), value.get_secret_value())
        except Exception as exc:
            raise self._error("write", name, exc) from exc

    async def delete(self, name: VaultKey) -> bool:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            await self._client.delete_secret(remote_name(name), _polling_interval=0.2)
        except ResourceNotFoundError:
            return False
        except Exception as exc:
            raise self._error("delete", name, exc) from exc
        return True

    async def aclose(self) -> None:
        await self._client.close()
        if self._owns_credential:
            await self._credential.close()

    def _error(self, action: str, name: VaultKey | None, exc: Exception) -> VaultError:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

        what = f"secret {name!r}" if name else "the secrets"
        if isinstance(exc, ClientAuthenticationError):
            why = "authentication failed (check the Azure credential and its access policy)"
        elif isinstance(exc, HttpResponseError) and exc.status_code is not None:
            why = f"HTTP {exc.status_code}"
        else:
            why = type(exc).__name__
        return VaultError(f"Azure Key Vault {self.vault_url} could not {action} {what}: {why}")
