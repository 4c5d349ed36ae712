"""manifest.json: what a backup holds, and the check that it still holds exactly that."""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "microblog-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
PICTURES = "pictures"
# The only names image_saver stores under (its KEY_FORM): nothing else is read or written.
PICTURE_KEY = re.compile(r"[0-9a-f]{64}\.(jpg|png|gif|webp)")


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why, in one line."""


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str


@dataclass
class Manifest:
    service_version: str
    created_at: str
    schema_revision: str | None
    database: FileEntry
    pg_dump_version: str
    # Rows per table, as dumped.
    counts: dict[str, int]
    pictures: list[FileEntry]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    totals: dict[str, int] = field(default_factory=dict)

    def write(self, folder: Path) -> None:
        self.totals = {
            "pictures": len(self.pictures),
            "picture_bytes": sum(picture.size for picture in self.pictures),
            "database_bytes": self.database.size,
        }
        # Written last and renamed into place: a folder without it is no backup.
        partial = folder / f"{MANIFEST}.part"
        partial.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n")
        partial.replace(folder / MANIFEST)


def sha256_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def entry_for(path: Path, name: str) -> FileEntry:
    return FileEntry(name, path.stat().st_size, sha256_of(path))


def read(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        raw: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a complete backup: it has no {MANIFEST}") from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from None
    try:
        if raw["format"] != FORMAT or raw["format_version"] != FORMAT_VERSION:
            raise BackupError(
                f"{path} is not a backup this version can read "
                f"({raw['format']} {raw['format_version']})"
            )
        return Manifest(
            service_version=str(raw["service_version"]),
            created_at=str(raw["created_at"]),
            schema_revision=raw["schema_revision"],
            database=FileEntry(**raw["database"]),
            pg_dump_version=str(raw["pg_dump_version"]),
            counts={str(k): int(v) for k, v in raw["counts"].items()},
            pictures=[FileEntry(**picture) for picture in raw["pictures"]],
            totals=dict(raw.get("totals", {})),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError(f"{path} is damaged: {error!r} is missing or wrong") from None


def check_files(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there with its size and sha256 (a picture's
    sha256 is its key too), else BackupError naming the first that is not."""
    if manifest.database.name != DUMP:
        raise BackupError(f"The manifest names an unexpected dump {manifest.database.name!r}")
    _check(folder / DUMP, manifest.database)
    for picture in manifest.pictures:
        if not PICTURE_KEY.fullmatch(picture.name) or not picture.name.startswith(picture.sha256):
            raise BackupError(f"The manifest lists {picture.name!r}, which is no picture key")
        _check(folder / PICTURES / picture.name, picture)


def _check(path: Path, expected: FileEntry) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BackupError(f"The backup is damaged: {path} is missing") from None
    if size != expected.size:
        raise BackupError(
            f"The backup is damaged: {path} has {size} bytes, the manifest says {expected.size}"
        )
    if sha256_of(path) != expected.sha256:
        raise BackupError(f"The backup is damaged: {path} does not match its sha256")
