"""Pictures for the demo tweets, drawn here so the demo needs no files and no network."""

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = (1200, 675)
INK = (40, 44, 52)
GRID = (225, 228, 235)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _chart_canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", SIZE, (250, 251, 253))
    draw = ImageDraw.Draw(image)
    for y in range(125, 600, 95):
        draw.line([(110, y), (1130, y)], fill=GRID, width=2)
    draw.line([(110, 600), (1130, 600)], fill=INK, width=4)
    return image, draw


def orders_chart() -> bytes:
    """Monthly orders climbing to a million: bars, the last one highlighted."""
    image, draw = _chart_canvas()
    values = [0.42, 0.48, 0.51, 0.57, 0.63, 0.66, 0.72, 0.79, 0.86, 0.93, 1.0]
    width = 1020 // len(values)
    for i, value in enumerate(values):
        left = 120 + i * width
        top = 600 - int(value * 460)
        colour = (237, 125, 49) if i == len(values) - 1 else (91, 155, 213)
        draw.rounded_rectangle([left, top, left + width - 24, 598], radius=10, fill=colour)
    return _png(image)


def build_times_chart() -> bytes:
    """Merge-request feedback time falling from 25 to 6 minutes."""
    image, draw = _chart_canvas()
    minutes = [25, 24, 26, 23, 22, 21, 14, 9, 7, 6, 6, 6]
    step = 1000 // (len(minutes) - 1)
    points = [(120 + i * step, 600 - int(m / 28 * 470)) for i, m in enumerate(minutes)]
    draw.line(points, fill=(46, 160, 67), width=8, joint="curve")
    for x, y in points:
        draw.ellipse(
            [x - 9, y - 9, x + 9, y + 9], fill=(255, 255, 255), outline=(46, 160, 67), width=5
        )
    return _png(image)


def bike_week() -> bytes:
    """An evening sky, a sun and a bicycle."""
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    top, bottom = (255, 183, 94), (237, 94, 104)
    for y in range(SIZE[1]):
        t = y / SIZE[1]
        draw.line(
            [(0, y), (SIZE[0], y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    draw.ellipse([820, 90, 1020, 290], fill=(255, 236, 179))
    draw.rectangle([0, 560, SIZE[0], SIZE[1]], fill=(60, 52, 66))
    dark = (35, 30, 40)
    for cx in (420, 720):
        draw.ellipse([cx - 110, 390, cx + 110, 610], outline=dark, width=14)
    frame = [(420, 500), (540, 380), (720, 500), (600, 500), (540, 380), (510, 330)]
    draw.line(frame, fill=dark, width=14, joint="curve")
    draw.line([(600, 500), (660, 360), (700, 360)], fill=dark, width=14, joint="curve")
    draw.line([(480, 330), (550, 330)], fill=dark, width=16)
    return _png(image)


# Which demo tweet (by its text's opening words) shows which picture.
PICTURES: dict[str, Callable[[], bytes]] = {
    "The new build pipeline is live": build_times_chart,
    "Bike to work week starts tomorrow": bike_week,
    "We just crossed one million processed orders": orders_chart,
}
