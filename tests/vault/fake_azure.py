"""A loopback fake of Azure Key Vault's secrets REST API, over HTTPS with a certificate made
for 127.0.0.1 in the test (the SDK refuses bearer tokens over plain HTTP).

It speaks the challenge protocol: a request without a token gets 401 with a
`WWW-Authenticate: Bearer authorization=..., resource=...` header; then only the expected token
is accepted. Secrets are kept in memory with versions and timestamps.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from azure.core.credentials import AccessToken
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.runtime.server import free_port

TOKEN = "fake-azure-access-token"


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "kv-cert.pem", folder / "kv-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class FakeCredential:
    """What the SDK asks for a token (an async `TokenCredential`)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes: list[str] = []

    async def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> FakeCredential:
        return self

    async def __aexit__(self, *_args: object) -> None:
        return None


@dataclass
class FakeKeyVault:
    port: int = field(default_factory=free_port)
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, bool]] = field(default_factory=list)
    """(method, path, had a valid token)"""

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _bundle(self, name: str) -> dict[str, Any]:
        secret = self.secrets[name]
        return {
            "value": secret["value"],
            "id": f"{self.url}/secrets/{name}/{secret['version']}",
            "attributes": {
                "enabled": True,
                "created": secret["created"],
                "updated": secret["updated"],
                "recoveryLevel": "Purgeable",
            },
        }

    def _authorized(self, request: Request) -> Response | None:
        given = request.headers.get("authorization", "")
        ok = given == f"Bearer {TOKEN}"
        self.requests.append((request.method, request.url.path, ok))
        if ok:
            return None
        challenge = (
            'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-'
            f'000000000000", resource="{self.url}"'
        )
        body = {"error": {"code": "Unauthorized", "message": "AKV10000: token required"}}
        return JSONResponse(body, 401, headers={"WWW-Authenticate": challenge})

    async def secret(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied is not None:
            return denied
        name = request.path_params["name"]
        if request.method == "PUT":
            body = await request.json()
            now = int(time.time())
            created = self.secrets.get(name, {}).get("created", now)
            self.secrets[name] = {
                "value": body["value"],
                "version": uuid.uuid4().hex,
                "created": created,
                "updated": now,
            }
            return JSONResponse(self._bundle(name))
        if name not in self.secrets:
            message = f"A secret with (name/id) {name} was not found in this key vault."
            return JSONResponse({"error": {"code": "SecretNotFound", "message": message}}, 404)
        if request.method == "DELETE":
            bundle = self._bundle(name)
            del self.secrets[name]
            bundle.pop("value")
            return JSONResponse(bundle)
        return JSONResponse(self._bundle(name))

    async def list_secrets(self, request: Request) -> Response:
        denied = self._authorized(request)
        if denied is not None:
            return denied
        items = []
        for name in self.secrets:
            bundle = self._bundle(name)
            items.append({"id": f"{self.url}/secrets/{name}", "attributes": bundle["attributes"]})
        return JSONResponse({"value": items, "nextLink": None})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/secrets", self.list_secrets, methods=["GET"]),
                Route("/secrets/{name}", self.secret, methods=["GET", "PUT", "DELETE"]),
                Route("/secrets/{name}/", self.secret, methods=["GET"]),
                Route("/secrets/{name}/{version}", self.secret, methods=["GET"]),
            ]
        )


@contextmanager
def fake_key_vault(folder: Path) -> Iterator[tuple[FakeKeyVault, Path]]:
    """The running fake and the certificate file its clients must trust."""
    cert, key = self_signed_cert(folder)
    fake = FakeKeyVault()
    config = uvicorn.Config(
        fake.app(),
        host="127.0.0.1",
        port=fake.port,
        log_level="warning",
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("fake Key Vault did not start")
        time.sleep(0.01)
    try:
        yield fake, cert
    finally:
        server.should_exit = True
        thread.join(timeout=10)
