"""The image service's settings, read once from the environment and an optional `.env`."""

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # Shared with app: only a caller that knows it may store or delete images.
    image_saver_token: SecretStr = Field(default=SecretStr(""), validate_default=True)
    data_dir: Path = Path("./data")
    # The file-system store; unset means DATA_DIR/images.
    images_dir: Path | None = None
    max_upload_bytes: int = Field(default=10 * MIB, ge=1024)
    # Pixels an image may decode to, all frames of an animation counted: this bounds
    # the memory and time one upload can take, whatever its size in bytes.
    max_image_pixels: int = Field(default=50_000_000, ge=10_000)
    # Frames an animation may have: each costs time to decode, however small.
    max_image_frames: int = Field(default=1000, ge=1)
    # How many images are decoded at once; each may take 4 bytes per pixel.
    max_concurrent_decodes: int = Field(default=2, ge=1, le=64)
    # Set to store in an S3-compatible object store instead of the file system.
    s3_endpoint_url: str | None = None
    s3_bucket: str = "microblog-images"
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_region: str = "us-east-1"
    log_level: str = "info"

    @field_validator("s3_endpoint_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("must be one of critical, error, warning, info, debug")
        return value

    @field_validator("image_saver_token")
    @classmethod
    def _token_is_strong(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError(
                "must be set to a secret of at least 16 characters "
                "(the same value as the app's IMAGE_SAVER_TOKEN)"
            )
        return value

    @property
    def image_store_dir(self) -> Path:
        return self.images_dir or self.data_dir / "images"


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
