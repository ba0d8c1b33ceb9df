"""Upstreams as a machine without a network sees them: real clients, nothing answering.

"Unreachable" is a connection refused on a closed loopback port, or a DNS failure on a host name
of the reserved `.invalid` domain (RFC 2606: it never resolves). The exchange is ccxt's real
Bitget class with its URLs pointed there, so ccxt's own transport raises what it raises offline.
"""

from __future__ import annotations

from typing import Any, Literal

import ccxt.async_support as ccxt

from cryptodesk.config import Settings
from cryptodesk.market.exchange_service import ExchangeService, build_exchange
from tests.market.fake_coingecko import closed_port_url

Failure = Literal["refused", "dns"]
FAILURES: tuple[Failure, ...] = ("refused", "dns")
DNS_FAILURE_HOST = "unreachable.invalid"


def coingecko_url(failure: Failure) -> str:
    """A CoinGecko root URL that cannot be reached in the way `failure` says."""
    if failure == "refused":
        return closed_port_url()
    return f"https://api.coingecko.{DNS_FAILURE_HOST}/api/v3"


def _bitget_config(failure: Failure) -> dict[str, Any]:
    if failure == "dns":
        return {"hostname": DNS_FAILURE_HOST}  # https://api.unreachable.invalid
    root = closed_port_url().removesuffix("/api/v3")
    return {"urls": {"api": dict.fromkeys(ccxt.bitget().urls["api"], root)}}


def unreachable_exchange(failure: Failure, settings: Settings | None = None) -> ExchangeService:
    """The real gateway over ccxt's real Bitget, which cannot reach its host."""
    extra = _bitget_config(failure)
    return build_exchange(
        settings or Settings(_env_file=None),  # type: ignore[call-arg]
        exchange_factory=lambda exchange_id, config: getattr(ccxt, exchange_id)(
            {**config, **extra}
        ),
    )
