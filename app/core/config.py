"""Settings, read once from the environment and an optional `.env` file."""

import json
from pathlib import Path
from typing import Annotated

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_URL_PREFIXES = ("postgresql+asyncpg://", "postgresql://", "postgres://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # Unset: an embedded PostgreSQL is started with its data under DATA_DIR/postgres.
    database_url: str | None = None
    # Streaming replicas of DATABASE_URL's server that answer reads (the feed, profiles,
    # people lists, search, threads): comma-separated or a JSON list. Empty: the
    # primary answers everything. docs/operations.md, "Read replicas".
    database_replica_urls: Annotated[list[str], NoDecode] = []
    # A replica further behind the primary than this is skipped until it catches up.
    replica_max_lag_seconds: float = Field(default=5.0, gt=0, le=3600)
    data_dir: Path = Path("./data")
    # The single-page web app served at `/`; point it at another client build if you like.
    frontend_dir: Path = Path(__file__).resolve().parents[1] / "static"
    # Unset: `serve` starts an image_saver of its own, storing under DATA_DIR/images.
    image_saver_url: str | None = None
    # The secret shared with image_saver; needed with IMAGE_SAVER_URL.
    image_saver_token: SecretStr = Field(default=SecretStr(""), validate_default=True)
    image_saver_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # An upload that sends nothing for this long is cut off (408).
    upload_idle_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # An upload that falls behind this rate by more than the idle timeout is cut off
    # (408): a drip of bytes must not hold an upload slot for long. 0: no minimum.
    upload_min_bytes_per_second: int = Field(default=10 * 1024, ge=0)
    # Uploads one person may have under way at once (429 beyond); 0: no cap.
    max_concurrent_uploads_per_person: int = Field(default=4, ge=0)
    # Picture downloads (GET /api/medias/{id}) one client address may have under way
    # at once in each worker process (429 beyond); 0: no cap.
    max_picture_downloads_per_address: int = Field(default=20, ge=0)
    # Largest picture a person may upload (image_saver should have the same limit).
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Uploads never attached to a tweet are removed after this long.
    unattached_media_ttl_minutes: int = Field(default=24 * 60, ge=1)
    # How often the server removes expired uploads and stored files due for deletion;
    # 0 turns the periodic run off (then run `python -m app media cleanup` from cron).
    media_cleanup_interval_seconds: int = Field(default=600, ge=0)
    max_tweet_length: int = Field(default=280, ge=1, le=10_000)
    # Likers listed with each tweet of a page (yours first); likes_count is always
    # exact and GET /api/tweets/{id}/likes pages through all of them. A popular
    # tweet's thousands of likers would otherwise make every page that shows it
    # megabytes long. 0: every liker, for clients that count `likes`.
    likers_per_tweet: int = Field(default=10, ge=0)
    # The hottest reads answered by app/handlers/fast/ (one statement, JSON written by
    # PostgreSQL); off: every request goes through its FastAPI route. The answers are
    # the same bytes either way.
    fast_reads: bool = True
    # Largest JSON request body; nothing the API takes needs more.
    max_request_bytes: int = Field(default=64 * 1024, ge=1024)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    # A statement running longer is cancelled and the request answers 503: one stuck
    # query must not hold a connection (and a person) forever.
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    log_level: str = "info"
    # Requests a minute per person (per client address without a right key) under
    # /api; 0 turns a budget off. Uploads are POST /api/medias; writes every other
    # change, and also each address's requests with a wrong key.
    rate_limit_reads_per_minute: int = Field(default=1200, ge=0)
    rate_limit_writes_per_minute: int = Field(default=120, ge=0)
    rate_limit_uploads_per_minute: int = Field(default=30, ge=0)
    # Where the budgets are counted, shared by every process: redis://host:6379/0.
    # Unset: in each process's memory (with N workers, a caller gets N budgets).
    redis_url: str | None = None
    # Set: GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (401 else).
    metrics_token: SecretStr = SecretStr("")
    # Other sites' pages that may call the API from a browser, e.g.
    # ["https://portal.example.com"] (JSON list). Empty: CORS off, same origin only.
    cors_origins: list[str] = []
    # Event streams (GET /api/events) one person may have open at once in each worker
    # process (429 beyond); 0: no cap.
    max_event_streams_per_person: int = Field(default=5, ge=0)
    # An open event stream with nothing to say sends a comment this often, so proxies
    # keep it open and a client that went away is noticed.
    event_stream_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    # Events waiting for a slow client at most; beyond, its stream is ended (the
    # client reconnects with Last-Event-ID and replays what it missed).
    event_stream_queue_size: int = Field(default=200, ge=1, le=10_000)
    # Where `backup` and `restore` find pg_dump and pg_restore (of the database server's
    # major version or newer). Unset: the embedded PostgreSQL's, else the PATH's.
    pg_bin_dir: Path | None = None

    # The address people open the service at, e.g. https://blog.example.com: the
    # sign-in callback is made from it, cookies are Secure when it is https, and
    # cookie-authenticated writes must come from its origin. Unset: the request's own.
    public_url: str | None = None
    # Sign-in with the company's identity provider (OpenID Connect), off unless
    # OIDC_ISSUER is set (docs/sign-in.md). The callback is PUBLIC_URL/auth/oidc/callback.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    # What the sign-in button says: "Sign in with <OIDC_PROVIDER_NAME>".
    oidc_provider_name: str = Field(default="company account", min_length=1, max_length=60)
    # True: a verified e-mail nobody has yet makes a new person; False: only people an
    # administrator gave that e-mail may sign in.
    oidc_auto_create: bool = False
    # A browser session ends after this long without a request, and after
    # SESSION_MAX_DAYS whatever happens.
    session_idle_minutes: int = Field(default=7 * 24 * 60, ge=5)
    session_max_days: int = Field(default=30, ge=1, le=400)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str | None) -> str | None:
        """Accept the usual `postgresql://` spelling and pin the asyncpg driver."""
        if value is None or not value.strip():
            return None
        return _asyncpg(value)

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _replica_urls(cls, value: object) -> list[str]:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
            raise ValueError("must be PostgreSQL URLs, comma-separated or a JSON list")
        return [_asyncpg(url) for url in value if url.strip()]

    @field_validator("data_dir")
    @classmethod
    def _embedded_path_has_no_spaces(cls, value: Path, info: ValidationInfo) -> Path:
        # The embedded server's own start-up cannot take a path with whitespace.
        if info.data.get("database_url") is None and any(c.isspace() for c in str(value.resolve())):
            raise ValueError(
                f"{value.resolve()} contains a space, which the embedded PostgreSQL cannot use; "
                "choose another DATA_DIR or set DATABASE_URL"
            )
        return value

    @field_validator("image_saver_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as http://image_saver:9000")
        return value

    @field_validator("image_saver_token")
    @classmethod
    def _token_with_url(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if info.data.get("image_saver_url") and len(value.get_secret_value()) < 16:
            raise ValueError(
                "must be set (16 characters or more, the same as image_saver's) "
                "when IMAGE_SAVER_URL is"
            )
        return value

    @field_validator("public_url", "oidc_issuer")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://blog.example.com")
        return value

    @field_validator("oidc_client_id")
    @classmethod
    def _client_with_issuer(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("oidc_issuer") and not value.strip():
            raise ValueError("must be set when OIDC_ISSUER is")
        if info.data.get("oidc_issuer") and not info.data.get("public_url"):
            raise ValueError("needs PUBLIC_URL set too (the sign-in callback is made from it)")
        return value.strip()

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if 0 < len(value.get_secret_value()) < 16:
            raise ValueError("must be 16 characters or more (or unset)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("must be one of critical, error, warning, info, debug")
        return value


def _asyncpg(value: str) -> str:
    """Accept the usual `postgresql://` spelling and pin the asyncpg driver."""
    value = value.strip()
    for prefix in _URL_PREFIXES:
        if value.startswith(prefix):
            return "postgresql+asyncpg://" + value.removeprefix(prefix)
    raise ValueError("must be a PostgreSQL URL such as postgresql://user:pass@host:5432/db")


class SettingsError(Exception):
    """A setting has an invalid value; the message names the variable in one line."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"Invalid setting {variable}: {message}") from None
