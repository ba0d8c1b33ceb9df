"""Settings: `CRYPTODESK_*` environment variables (and `.env`), then defaults.

The names are part of CryptoDesk's interface (see ARCHITECTURE.md); keep them stable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_config_dir, user_data_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

EngineChoice = Literal["auto", "offline", "magentic"]
MarketDataMode = Literal["auto", "live", "replay", "demo"]
LlmProvider = Literal["openai", "azure", "ollama", "openai-compatible"]
CoinGeckoPlan = Literal["keyless", "demo", "pro"]
VaultBackend = Literal["local", "env", "azure"]


def _default_data_dir() -> Path:
    return Path(user_data_dir("cryptodesk", appauthor=False))


def default_key_file() -> Path:
    """The generated master key: a per-user config directory, never beside the ciphertext."""
    return Path(user_config_dir("cryptodesk", appauthor=False)) / "master.key"


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: a listener only this machine can reach."""
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


HOUR_S = 3600.0
DAY_S = 86400.0
URL_FIELDS = (
    "llm_base_url",
    "azure_openai_endpoint",
    "ollama_url",
    "coingecko_base_url",
    "azure_key_vault_url",
)


def http_url_problem(url: str) -> str | None:
    """Why `url` is not an http(s) URL with a host (and a valid port, if any), or None."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port raises for one out of range
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "must not contain spaces or control characters"
    return None


class Settings(BaseSettings):
    # No infinities or NaN anywhere (`1e999` is a float too), and every duration has a ceiling.
    model_config = SettingsConfigDict(
        env_prefix="CRYPTODESK_",
        env_file=".env",
        extra="ignore",
        validate_default=True,
        allow_inf_nan=False,
    )

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8500, ge=1, le=65535, description="Port the server listens on.")
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Database, charts and the local secrets store.",
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default: SQLite file in the data directory."
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra browser origins allowed to open the WebSocket (the server's own are).",
    )

    engine: EngineChoice = Field(
        "auto",
        description=(
            "Which engine answers: auto (the LLM team when configured, else offline), "
            "offline or magentic."
        ),
    )
    llm_provider: LlmProvider | None = Field(
        None, description="LLM provider: openai, azure, ollama or openai-compatible."
    )
    llm_base_url: str | None = Field(None, description="LLM endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="LLM API key.")
    llm_model: str | None = Field(None, description="Default LLM model.")
    llm_orchestrator_model: str | None = Field(
        None, description="Model (Azure: deployment) of the orchestrator; default: the LLM model."
    )
    llm_worker_model: str | None = Field(
        None, description="Model (Azure: deployment) of the specialist agents; default: LLM model."
    )
    azure_openai_endpoint: str | None = Field(
        None, description="Azure OpenAI resource endpoint, e.g. https://NAME.openai.azure.com."
    )
    azure_openai_deployment: str | None = Field(
        None, description="Azure OpenAI deployment used when no model is set."
    )
    azure_openai_api_version: str = Field("2024-10-21", description="Azure OpenAI API version.")
    ollama_url: str = Field(
        "http://127.0.0.1:11434",
        description="Ollama server (provider ollama; engine auto uses a reachable local one).",
    )
    llm_timeout_s: float = Field(
        60.0, gt=0, le=HOUR_S, description="Timeout of one LLM request, in seconds."
    )
    llm_max_retries: int = Field(
        2, ge=0, le=10, description="Retries of an LLM request on 429, 5xx, timeouts (backoff)."
    )
    llm_history_tokens: int = Field(
        2000, ge=0, description="Earlier messages of a conversation given to the team, in tokens."
    )
    run_budget_tokens: int | None = Field(
        None,
        ge=1,
        le=1_000_000_000,
        description="Tokens one run may use before the team summarises and stops.",
    )
    run_budget_usd: float | None = Field(
        None,
        gt=0,
        le=100_000,
        description="Estimated USD one run may cost before the team summarises.",
    )
    daily_budget_usd: float | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description=(
            "Estimated USD all LLM runs of a UTC day may cost (summed in the database across "
            "replicas); once reached, the offline analyst answers."
        ),
    )
    daily_budget_tokens: int | None = Field(
        None,
        ge=1,
        le=100_000_000_000,
        description="Tokens all LLM runs of a UTC day may use; once reached, the offline analyst "
        "answers.",
    )
    llm_stall_timeout_s: float = Field(
        30.0,
        gt=0,
        le=HOUR_S,
        description=(
            "A run whose LLM sends no token and whose tools make no progress for this long ends "
            "with an error, and the offline analyst answers."
        ),
    )
    llm_parallel: bool = Field(
        True,
        description=(
            "First round of the LLM team at once: the data gathered concurrently, independent "
            "specialists in parallel; false: the manager plans and delegates one step at a time."
        ),
    )
    llm_prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description=(
            'JSON {"model": [prompt, completion]} in USD per 1M tokens, added to the built-in '
            "table (common OpenAI models; local models cost 0)."
        ),
    )
    llm_check_ttl_s: float = Field(
        60.0,
        gt=0,
        le=DAY_S,
        description="How long a readiness check of the LLM is cached, in seconds.",
    )

    market_data: MarketDataMode = Field(
        "auto",
        description=(
            "Market data source: auto (live, demo when offline), live (CoinGecko), replay "
            "(CSV folder) or demo (simulated, labelled)."
        ),
    )
    replay_dir: Path | None = Field(
        None, description="Folder of OHLCV CSVs for replay (SYMBOL_QUOTE_TF.csv)."
    )
    replay_now: datetime | None = Field(
        None,
        description=(
            "Replay as of this ISO date-time (UTC unless it says otherwise): only candles "
            "closed by then are served, a demo as of a past date; default: the files' end."
        ),
    )
    demo_seed: int = Field(7, description="Seed of the simulated demo market.")
    coingecko_api_key: SecretStr | None = Field(
        None, description="CoinGecko API key (demo or pro); sent as a header, never in URLs."
    )
    coingecko_plan: CoinGeckoPlan = Field(
        "keyless",
        description="CoinGecko plan: keyless, demo or pro (a key with keyless means demo).",
    )
    coingecko_base_url: str | None = Field(
        None, description="CoinGecko root URL override (proxies, tests); default: per plan."
    )
    coingecko_rate_per_minute: int | None = Field(
        None,
        ge=1,
        description="CoinGecko requests per minute (default: 25 keyless, 30 demo, 500 pro).",
    )
    http_timeout_s: float = Field(
        10.0, gt=0, le=HOUR_S, description="Timeout of one market HTTP request."
    )
    retry_max_attempts: int = Field(
        4,
        ge=1,
        le=10,
        description=(
            "Attempts per market request (429, 5xx, timeouts; an unreachable host is not retried)."
        ),
    )
    retry_max_wait_s: float = Field(
        30.0, ge=0, le=HOUR_S, description="Longest wait between attempts, Retry-After included."
    )

    exchange: str = Field(
        "bitget", description="ccxt exchange id for order books, funding and account data."
    )
    exchange_api_key: SecretStr | None = Field(
        None, description="Exchange API key (read-only is enough; needed for balances, orders)."
    )
    exchange_api_secret: SecretStr | None = Field(None, description="Exchange API secret.")
    exchange_api_passphrase: SecretStr | None = Field(
        None, description="Exchange API passphrase (Bitget, OKX and others need one)."
    )
    exchange_quote: str = Field(
        "USDT", description="Quote currency when a symbol names only a coin (BTC -> BTC/USDT)."
    )
    exchange_timeout_s: float = Field(
        10.0, gt=0, le=HOUR_S, description="Timeout of one exchange request, in seconds."
    )

    calls_evaluate_every_s: float = Field(
        600.0,
        gt=0,
        le=DAY_S,
        description="Seconds between two evaluations of the calls whose horizon has ended.",
    )
    watch_poll_min_s: float = Field(
        60.0,
        gt=0,
        le=DAY_S,
        description=(
            "Shortest time between the watcher's price reads (CoinGecko refreshes prices about "
            "once a minute on the free plans); longer when the rate budget needs it."
        ),
    )
    watch_budget_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of the CoinGecko rate budget for the watcher (questions get the rest).",
    )
    notify_timeout_s: float = Field(
        10.0, gt=0, le=300, description="Connect and read timeout of one notification delivery."
    )
    notify_max_attempts: int = Field(
        6, ge=1, le=20, description="Attempts per notification delivery before it is failed."
    )
    notify_retry_base_s: float = Field(
        5.0,
        gt=0,
        le=HOUR_S,
        description="Wait before a delivery's first retry; it doubles each time (10 min at most).",
    )

    max_turns: int = Field(15, ge=1, le=100, description="Rounds per run.")
    run_timeout_s: float = Field(
        300.0, gt=0, le=DAY_S, description="A run fails after this many seconds."
    )
    tool_timeout_s: float = Field(
        30.0, gt=0, le=HOUR_S, description="A tool call fails after this long."
    )
    chat_rate_per_minute: int = Field(
        20, ge=1, description="Chat frames one connection may send per minute."
    )
    subscriber_queue_size: int = Field(
        200,
        ge=10,
        description=(
            "Commits (batches of a run's frames) buffered per socket before it is closed with 4008."
        ),
    )
    run_lease_s: float = Field(
        15.0,
        gt=0,
        le=HOUR_S,
        description=(
            "Replicas: a run whose server has not renewed its lease for this long is ended "
            "(owner_lost) by another replica, in seconds."
        ),
    )
    run_lease_renew_s: float = Field(
        5.0,
        gt=0,
        le=HOUR_S,
        description=(
            "Replicas: how often a server renews its runs' leases and looks for runs whose "
            "lease ran out, in seconds (at most half the lease)."
        ),
    )
    client_idle_ping_s: float = Field(
        300.0, gt=0, le=DAY_S, description="Send a keep-alive ping after this much client silence."
    )
    log_level: str = Field("INFO", description="Python logging level.")

    vault_backend: VaultBackend = Field(
        "local",
        description=(
            "Where secrets are kept: local (encrypted file in the data directory), env "
            "(environment variables only, read-only) or azure (Azure Key Vault, extra 'azure')."
        ),
    )
    master_key: SecretStr | None = Field(
        None,
        description=(
            "Fernet key of the local vault; default: the OS keyring when usable, else a "
            "generated key file (CRYPTODESK_VAULT_KEY_FILE)."
        ),
    )
    vault_key_file: Path | None = Field(
        None,
        description=(
            "Generated master key file (0600), outside the data directory; default: "
            "master.key in the per-user config directory."
        ),
    )
    vault_keyring: bool = Field(
        True, description="Keep the generated master key in the OS keyring when one is usable."
    )
    azure_key_vault_url: str | None = Field(
        None, description="Azure Key Vault of vault_backend azure: https://NAME.vault.azure.net."
    )
    access_token: SecretStr | None = Field(
        None,
        description=(
            "Token every REST call and WebSocket needs (Bearer header or /login cookie); "
            "required when the host is not loopback."
        ),
    )
    login_attempts_per_minute: int = Field(
        5, ge=1, description="Failed logins allowed per client address and minute (then 429)."
    )

    @field_validator(*URL_FIELDS)
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """Parsed, not just prefixed: `http://[::1` or a port of 99999 is refused with a reason.
        The value is kept as given (shown back as stored)."""
        if value is None:
            return None
        why = http_url_problem(value)
        if why is not None:
            raise ValueError(why)
        return value

    @field_validator("replay_now")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _exposed_needs_token(self) -> Settings:
        if not is_loopback_host(self.host) and not self.access_token:
            raise ValueError(
                f"CRYPTODESK_HOST={self.host} is reachable from other machines: set "
                "CRYPTODESK_ACCESS_TOKEN (a long random string) to require a login, or listen "
                "on 127.0.0.1"
            )
        if self.access_token is not None and len(self.access_token.get_secret_value()) < 16:
            raise ValueError("CRYPTODESK_ACCESS_TOKEN must be at least 16 characters long")
        if self.run_lease_renew_s * 2 > self.run_lease_s:
            raise ValueError(
                "CRYPTODESK_RUN_LEASE_RENEW_S must be at most half of CRYPTODESK_RUN_LEASE_S: a "
                "lease is renewed well before it runs out"
            )
        return self

    def with_changes(self, **changes: object) -> Settings:
        """These settings with `changes`, validated again. Only the fields that were given (by
        the environment, `.env` or arguments) and `changes` count as given: the settings API tells
        a value from the environment from a default by `model_fields_set`, which rebuilding the
        settings from every field would fill with all of them."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        return Settings.model_validate(given | changes)

    @property
    def resolved_key_file(self) -> Path:
        return self.vault_key_file or default_key_file()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'cryptodesk.db'}"

    @property
    def llm_configured(self) -> bool:
        if self.llm_provider == "azure":
            return self.azure_openai_endpoint is not None and self.orchestrator_model is not None
        return self.llm_provider is not None and self.orchestrator_model is not None

    @property
    def orchestrator_model(self) -> str | None:
        return self.llm_orchestrator_model or self.llm_model or self.azure_openai_deployment

    @property
    def worker_model(self) -> str | None:
        return self.llm_worker_model or self.llm_model or self.azure_openai_deployment


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_table() -> str:
    """The README's table of settings, generated from this model so it cannot drift."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = {
                "data_dir": "per-user data dir",
                "allowed_origins": "none",
                "llm_prices": "built-in table",
            }.get(name, "")
        elif field.default is None:
            default = "unset"
        else:
            default = f"`{field.default}`"
        rows.append(f"| `CRYPTODESK_{name.upper()}` | {default} | {field.description} |")
    return "\n".join(rows)
