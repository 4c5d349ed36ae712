"""Proving a file is a picture and re-encoding it without its metadata.

Only the decoder decides what a file is: the name and declared type a client
sends are never looked at. Re-encoding drops everything but the pixels (EXIF
with GPS positions, XMP, comments), after turning the pixels the way the EXIF
orientation says, so the picture still stands the right way up.
"""

import hashlib
import io
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import ExifTags, Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

from image_saver.errors import PayloadTooLarge, UnsupportedMediaType

# Pillow's format name -> (content type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = {extension: content_type for content_type, extension in FORMATS.values()}
# Phones and cameras write JPEGs with extra images appended (MPO: depth maps, HDR
# gain maps, previews). Pillow reads them as MPO; the first image is the photo.
_JPEG_KINDS = {"JPEG", "MPO"}
NOT_A_PICTURE = "The file is not a JPEG, PNG, GIF or WebP picture"

# What survives re-encoding, beside the pixels: colour and animation, nothing personal.
_KEPT_INFO = ("icc_profile", "transparency", "duration", "loop", "background", "disposal")
# Real colour profiles are a few KiB (sRGB v2 about 3, v4 about 60); anything bigger
# would let a picture carry a payload of its own through cleaning.
MAX_ICC_PROFILE = 64 * 1024


class EncodingFailed(RuntimeError):
    """Writing the clean copy failed: a bug or a full disk, answered as a 500."""


@dataclass(frozen=True)
class CleanImage:
    path: Path
    content_type: str
    extension: str
    width: int
    height: int
    size: int
    digest: str

    @property
    def key(self) -> str:
        """The stored name: the same picture uploaded twice is stored once."""
        return f"{self.digest}.{self.extension}"


def clean_image(
    source: IO[bytes], target_dir: Path, max_pixels: int, max_frames: int
) -> CleanImage:
    """Decode `source` fully, re-encode it into a new file in `target_dir`.

    Raises UnsupportedMediaType for anything that is not a whole picture in one of
    the accepted formats, PayloadTooLarge for one that decodes to too many pixels
    or frames.
    """
    with warnings.catch_warnings():
        # Pillow only warns about a big image below twice its own limit; we refuse.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            lossless_webp = _is_lossless_webp(source.read(64))
            source.seek(0)
            with Image.open(source, formats=list(FORMATS)) as image:
                return _reencode(image, target_dir, max_pixels, max_frames, lossless_webp)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PayloadTooLarge(_too_many_pixels(max_pixels)) from None
        except UnidentifiedImageError:
            raise UnsupportedMediaType(NOT_A_PICTURE) from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            # Truncated data, a broken header or a bad frame, found while decoding.
            raise UnsupportedMediaType(
                "The picture is damaged or incomplete and could not be read"
            ) from error


def _too_many_pixels(max_pixels: int) -> str:
    return f"The picture is too large: at most {max_pixels:,} pixels are accepted"


def _reencode(
    image: Image.Image, target_dir: Path, max_pixels: int, max_frames: int, lossless_webp: bool
) -> CleanImage:
    fmt = "JPEG" if image.format in _JPEG_KINDS else str(image.format)
    if fmt not in FORMATS:
        raise UnsupportedMediaType(NOT_A_PICTURE)
    content_type, extension = FORMATS[fmt]
    width, height = image.size
    durations = [0] if fmt == "JPEG" else _decode_all_frames(image, max_pixels, max_frames)
    params: dict[str, Any] = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
    if "icc_profile" in params and not _is_colour_profile(params["icc_profile"]):
        del params["icc_profile"]
    # Empty values overrule what Pillow would otherwise copy from the source.
    params |= {"exif": b"", "comment": b""} if fmt != "PNG" else {}
    if fmt == "WEBP":
        params.pop("comment")
    if len(durations) > 1:
        output = image
        params |= {"save_all": True, "duration": durations}
    else:
        image.seek(0)
        if fmt == "JPEG":
            _check_pixels(image.width * image.height, max_pixels)
            image.load()  # the one frame a JPEG has, decoded whole: proof it is one
        output = _upright(image)
        width, height = output.size
        if output is image and image.format == "JPEG":
            # Same quantisation tables and subsampling: no visible loss from re-encoding.
            params |= {"quality": "keep", "subsampling": "keep"}
    if fmt == "JPEG" and "quality" not in params:
        params["quality"] = 90
    if fmt == "WEBP":
        params |= {"lossless": True} if lossless_webp else {"quality": 90}

    output.info = {}  # no metadata travels through `info` either
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target_dir, suffix=".part", delete=False) as target:
        path = Path(target.name)
        try:
            output.save(target, format=fmt, **params)
        except BaseException as error:
            path.unlink(missing_ok=True)
            # Our failure, not the picture's: it must not pass for a damaged upload.
            raise EncodingFailed(f"re-encoding a {fmt} failed") from error
    with path.open("rb") as written:
        digest = hashlib.file_digest(written, "sha256").hexdigest()
    return CleanImage(path, content_type, extension, width, height, path.stat().st_size, digest)


def _check_pixels(pixels: int, max_pixels: int) -> None:
    if pixels > max_pixels:
        raise PayloadTooLarge(_too_many_pixels(max_pixels))


def _decode_all_frames(image: Image.Image, max_pixels: int, max_frames: int) -> list[int]:
    """Decode every frame (that is what proves the file whole) within the budgets.

    Returns how long each frame shows, in milliseconds.
    """
    pixels = 0
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        if len(durations) == max_frames:
            raise PayloadTooLarge(f"The animation has more than {max_frames:,} frames")
        pixels += frame.width * frame.height
        _check_pixels(pixels, max_pixels)
        frame.load()
        durations.append(int(frame.info.get("duration", 0)))
    return durations


def _is_colour_profile(blob: object) -> bool:
    """Whether `blob` is one whole ICC profile of a sane size, and so safe to keep.

    The decoders hand on any bytes stored where a profile belongs; kept unchecked they
    would pass through cleaning. The header's own size must match too: the colour
    engine ignores bytes after the profile, which could hide anything.
    """
    if not isinstance(blob, bytes) or not 128 <= len(blob) <= MAX_ICC_PROFILE:
        return False
    if int.from_bytes(blob[:4], "big") != len(blob):
        return False
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(blob))
    except (OSError, ImageCms.PyCMSError):
        return False
    return True


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says, or the same image if upright."""
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(image)
    return image


def _is_lossless_webp(head: bytes) -> bool:
    """Lossless WebP stays lossless; the VP8L chunk comes first, or right after VP8X."""
    return head[12:16] == b"VP8L" or (head[12:16] == b"VP8X" and b"VP8L" in head)
