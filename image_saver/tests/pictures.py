"""Test pictures made with Pillow, carrying the metadata the service must strip."""

import io

from PIL import ExifTags, Image

SECRET_COMMENT = b"secret-comment-do-not-publish"
CAMERA = "SecretCam 3000"
# A GPS position in EXIF: (55, 45, 21.0) N, (37, 37, 4.0) E.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (55.0, 45.0, 21.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (37.0, 37.0, 4.0),
}


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    return exif


def two_colour_image(width: int = 60, height: int = 40, mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: where red ends up shows how the picture was turned."""
    image = Image.new(mode, (width, height), "blue")
    image.paste(Image.new(mode, (width // 2, height), "red"), (0, 0))
    return image


def picture(fmt: str, *, orientation: int = 1, size: tuple[int, int] = (60, 40)) -> bytes:
    """A still picture in `fmt` with GPS EXIF and, where the format has one, a comment."""
    mode = "P" if fmt == "GIF" else "RGB"
    image = two_colour_image(*size).convert(mode)
    out = io.BytesIO()
    params: dict[str, object] = {}
    if fmt in {"JPEG", "WEBP", "PNG"}:
        params["exif"] = exif_with_gps(orientation).tobytes()
    if fmt in {"JPEG", "GIF"}:
        params["comment"] = SECRET_COMMENT
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", SECRET_COMMENT.decode())
        params["pnginfo"] = info
    if fmt == "WEBP":
        params["xmp"] = b"<x:xmpmeta>" + SECRET_COMMENT + b"</x:xmpmeta>"
    image.save(out, fmt, **params)
    return out.getvalue()


def animation(fmt: str, frames: int = 3, size: tuple[int, int] = (30, 20)) -> bytes:
    colours = ["red", "green", "blue", "yellow", "white"]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    if fmt == "GIF":
        images = [image.convert("P") for image in images]
    out = io.BytesIO()
    durations = [100 + 10 * i for i in range(frames)]
    params: dict[str, object] = {
        "save_all": True,
        "append_images": images[1:],
        "duration": durations,
    }
    if fmt == "GIF":
        params |= {"loop": 0, "comment": SECRET_COMMENT}
    if fmt == "WEBP":
        params |= {"loop": 0, "exif": exif_with_gps().tobytes()}
    images[0].save(out, fmt, **params)
    return out.getvalue()


def bomb_png(side: int = 20_000) -> bytes:
    """A tiny file that decodes to side² pixels: a decompression bomb."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()
