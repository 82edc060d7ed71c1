"""Settings read from ``EXPOTV_*`` environment variables (and ``.env``).

With nothing set the service runs on its embedded defaults: a SQLite file and a media
folder under ``./data``, an in-process cache, jobs and workers.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from expotv.private_files import read_or_create_secret
from expotv.timezones import DEFAULT_ZONE, canonical_zone, zone_of

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "mysql": "mysql+asyncmy",
    "mariadb": "mysql+asyncmy",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
# What one worker keeps of playlist bodies (``EXPOTV_PLAYLIST_BODIES_MAX_BYTES``).
PLAYLIST_BODIES_MAX_BYTES = 16 * 1024 * 1024

_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def async_database_url(url: str) -> str:
    """Map a plain ``scheme://`` URL to the async driver the project ships.

    An explicit ``scheme+driver://`` is honoured as given.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"URL de banco de dados inválida: {url!r}")
    if "+" in scheme:
        return url
    try:
        return f"{_DRIVERS[scheme]}://{rest}"
    except KeyError:
        raise ValueError(f"banco de dados não suportado: {scheme!r}") from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EXPOTV_", env_file=".env", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("data")

    database_url: str | None = None
    database_echo: bool = False
    # A database that accepts connections and never answers (a failover, a dead
    # balancer) must cost a bounded time: connecting, and each statement.
    database_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    database_statement_timeout_seconds: float = Field(default=30.0, gt=0)
    redis_url: str | None = None
    # Test runs and side-by-side deployments sharing one Redis pick their own.
    redis_key_prefix: str = Field(default="expotv", pattern=r"^[A-Za-z0-9_.-]+$")
    storage_url: str | None = None
    public_media_url: str | None = None
    # S3/R2: when unset, boto3's AWS_ENDPOINT_URL / AWS_* variables apply.
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # Video conversions go to arq over this Redis URL; unset: an in-process worker.
    queue_url: str | None = None
    media_queue_name: str = "expotv:media"
    sentry_dsn: str | None = None
    # Sent as X-Expotv-Instance on every response: which backend behind a balancer
    # answered (deploy/smoke.sh checks that all of them do).
    instance_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")

    jwt_secret: SecretStr | None = None
    jwt_algorithm: str = "HS256"
    access_token_seconds: int = Field(default=86400, ge=60)
    refresh_token_seconds: int = Field(default=30 * 86400, ge=60)
    # How long a request may trust a login session found alive (0: ask the database
    # every time); logout, password and user changes retire it at once anyway.
    auth_cache_seconds: int = Field(default=30, ge=0, le=3600)
    # How long a list page of anúncios/avisos is kept encoded (0: built every
    # time); any write that changes it, on any instance, retires it at once.
    list_cache_seconds: int = Field(default=60, ge=0, le=3600)
    allow_registration: bool = True
    # argon2id cost of new password hashes (a stored hash keeps the cost it was made
    # with). The defaults are argon2's own: about 0.15 s and 64 MiB per login on one
    # core. Lower them only where nothing real is protected (the test suite does).
    password_time_cost: int = Field(default=3, ge=1, le=20)
    password_memory_kib: int = Field(default=65536, ge=64, le=4194304)
    password_parallelism: int = Field(default=4, ge=1, le=64)

    master_email: str | None = None
    master_senha: SecretStr | None = None

    login_max_failures_per_email: int = 10
    login_max_failures_per_address: int = 50
    login_failure_window_seconds: int = 900
    # Sign-ups (/auth/register) one client address may make per window.
    register_max_per_address: int = Field(default=10, ge=0)
    register_window_seconds: int = Field(default=3600, ge=1)

    tv_offline_after_seconds: int = 120
    tv_monitor_interval_seconds: int = 60
    tv_ping_interval_seconds: int = 30
    expiry_interval_seconds: int = 300
    # The playlist-edges job: how late after a playlist's valido_ate its connected
    # TVs may hear of it (the contract allows 60 s; an emergency's end, 2 s).
    playlist_edge_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    cache_cleanup_interval_seconds: int = 3600
    media_orphan_sweep_interval_seconds: int = 3600
    heartbeat_flush_seconds: float = 2.0
    # After start-up, move every object made so far (modules, routes, schemas,
    # mappers) out of the cyclic garbage collector's reach (gc.freeze): a full
    # collection then scans what requests made, not the whole program. Measured:
    # GET /anuncios p99 121 ms -> 20 ms (full collections 150 ms -> 16 ms).
    gc_freeze_after_startup: bool = True
    # Every this many seconds a serving worker hands its heap's free pages back to
    # the OS (glibc's malloc_trim, expotv.heap): after a burst of connections the
    # freed memory otherwise stays resident. 0: never.
    malloc_trim_seconds: float = Field(default=30.0, ge=0)
    playlist_cache_seconds: int = 3600
    # Bytes of playlist bodies (the parts TVs playing the same share, and their
    # gzip forms) one worker keeps; past it a 200 reads them back from the cache.
    playlist_bodies_max_bytes: int = Field(default=PLAYLIST_BODIES_MAX_BYTES, ge=0)
    # A TV's content is answered from this instance's own copy, without asking
    # Redis, while the invalidation channel (pub/sub) has been up without a gap and
    # heard from within this many seconds: a change through another instance
    # reaches it by that channel, and a channel gone silent is noticed within this
    # bound (the contract allows 2 s). 0 asks Redis on every request.
    tv_content_trust_seconds: float = Field(default=1.0, ge=0, le=1.5)
    # The newest notícias a playlist takes (each TV's body grows with every one).
    playlist_max_news: int = Field(default=100, ge=1)
    tv_lookup_rate_per_minute: int = 120
    # TV WebSockets one instance holds per TV code and per client address, and
    # pings of one TV code per minute (across instances); 0 turns a cap off.
    ws_max_per_code: int = Field(default=10, ge=0)
    ws_max_per_address: int = Field(default=100, ge=0)
    ping_max_per_code_per_minute: int = Field(default=12, ge=0)
    # How often an instance sends its pings to Redis (the per-code ping counts,
    # and the pings other instances read as presence) in one round trip each:
    # a ping itself costs none (``tvs.ping_limit``, ``tvs.pings``).
    ping_sync_seconds: float = Field(default=1.0, gt=0, le=30)

    # IANA zone in which people read and type dates: the dashboard, timestamps sent
    # without an offset, and condomínios without a fuso_horario of their own.
    timezone: str = DEFAULT_ZONE

    feeds_allow_private: bool = False
    feeds_interval_seconds: int = 900
    feeds_timeout_seconds: float = 10.0
    feeds_max_bytes: int = 5 * 1024 * 1024
    # Newest entries taken from one collection of a source, and notícias of one
    # source that play at once (older ones expire).
    feeds_max_items_per_fetch: int = Field(default=50, ge=1)
    feeds_max_items_per_source: int = Field(default=100, ge=1)
    news_max_age_seconds: int = 3 * 86400

    max_image_bytes: int = 5 * 1024 * 1024
    max_video_bytes: int = 50 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    # Frames of an animated image, and pixels over all of them (each frame is held
    # decoded while re-encoding: memory and CPU follow these).
    max_animation_frames: int = Field(default=600, ge=1)
    max_animation_pixels: int = Field(default=50_000_000, ge=1)
    # Long and short side of a video (portrait or landscape), and its length.
    max_video_width: int = Field(default=3840, ge=16)
    max_video_height: int = Field(default=2160, ge=16)
    max_video_seconds: int = Field(default=600, ge=1, le=3600)
    # One background conversion's budget; past it the item ends in "erro".
    media_conversion_timeout_seconds: float = Field(default=900.0, gt=0)
    # Uploads decoded at once by one process (the rest wait their turn).
    media_decode_threads: int = Field(default=2, ge=1)

    # Request edge (expotv.edge): every body but a multipart upload is this small.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Peers whose forwarded header names the client (addresses or CIDRs, commas).
    trusted_proxies: Annotated[
        tuple[IPv4Network | IPv6Network, ...] | None, NoDecode
    ] = None
    client_ip_header: str = Field(
        default="X-Forwarded-For", pattern=r"^[A-Za-z0-9-]{1,64}$"
    )
    # CSP frame-ancestors of the player (/tv/): who may show it in a frame.
    player_frame_ancestors: str = "'self'"
    # When set, /metrics asks for "Authorization: Bearer <token>".
    metrics_token: SecretStr | None = None

    # GraphQL (/graphql): introspection and the GraphiQL page; unset, on only in
    # development. Limits refuse a query before it runs (see expotv.graphql.limits).
    graphql_introspection: bool | None = None
    graphiql: bool | None = None
    graphql_max_depth: int = Field(default=8, ge=2, le=50)
    graphql_max_cost: int = Field(default=50_000, ge=100)
    graphql_max_aliases: int = Field(default=15, ge=0)
    graphql_max_batch: int = Field(default=10, ge=1, le=100)

    run_jobs: bool = True
    ws_ping_interval_seconds: float = Field(default=25.0, gt=0)
    # Unset: JSON in production, readable lines otherwise.
    log_json: bool | None = None
    log_level: str = "INFO"
    # TV polls, health probes and scrapes are logged (INFO) only when this slow.
    log_slow_request_seconds: float = Field(default=1.0, ge=0)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in re.split(r"[\s,]+", value) if part]
        if isinstance(value, list | tuple):
            try:
                return tuple(ip_network(str(part), strict=False) for part in value)
            except ValueError as exc:
                raise ValueError(f"EXPOTV_TRUSTED_PROXIES: {exc}") from None
        return value

    @field_validator("player_frame_ancestors")
    @classmethod
    def _one_directive(cls, value: str) -> str:
        # It is written into a header: one directive's sources, nothing more.
        if not value.strip() or re.search(r"[;,\r\n]", value):
            raise ValueError(
                "EXPOTV_PLAYER_FRAME_ANCESTORS: fontes separadas por espaço, "
                "sem ';' nem ','"
            )
        return " ".join(value.split())

    @property
    def logs_as_json(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.environment is Environment.PRODUCTION

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return canonical_zone(value)

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.timezone)

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else None
            if secret is None or secret.lower() in _PLACEHOLDER_SECRETS:
                raise ValueError("EXPOTV_JWT_SECRET é obrigatório em produção")
            if len(secret) < 32:
                raise ValueError("EXPOTV_JWT_SECRET precisa de ao menos 32 caracteres")
        return self

    @model_validator(mode="after")
    def _argon2_memory_fits_its_lanes(self) -> Settings:
        if self.password_memory_kib < 8 * self.password_parallelism:
            raise ValueError(
                "EXPOTV_PASSWORD_MEMORY_KIB precisa de ao menos 8 KiB por faixa "
                "(EXPOTV_PASSWORD_PARALLELISM)"
            )
        return self

    @property
    def is_graphql_introspection_on(self) -> bool:
        if self.graphql_introspection is not None:
            return self.graphql_introspection
        return self.environment is Environment.DEVELOPMENT

    @property
    def is_graphiql_on(self) -> bool:
        if self.graphiql is not None:
            return self.graphiql
        return self.environment is Environment.DEVELOPMENT

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return async_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'expotv.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        if self.storage_url and self.storage_url.startswith("file://"):
            return Path(self.storage_url.removeprefix("file://"))
        return self.data_dir / "media"

    @cached_property
    def signing_key(self) -> str:
        """The JWT key: configured, or generated once and kept in the data folder."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return read_or_create_secret(
            self.data_dir / "jwt_secret", lambda: secrets.token_urlsafe(48)
        )


_SETTING = "expotv_setting"


def setting(name: str) -> Any:
    """A ``SettingsView`` field, read from ``Settings.<name>``."""
    return dataclasses.field(metadata={_SETTING: name})


class SettingsView:
    """Base of a frozen dataclass that groups some settings for one part (media
    limits, GraphQL limits): each field says its setting with ``setting()``."""

    __slots__ = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        return cls(
            **{
                field.name: getattr(settings, field.metadata[_SETTING])
                for field in fields
            }
        )
