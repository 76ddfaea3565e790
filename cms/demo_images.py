"""Pictures for the demo sites, drawn with Pillow at load time (no downloads): abstract event
heroes in the organization's colours, word-mark logos, favicons, speaker portraits, sponsor logos."""

import io
import random

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def _mix(a, b, t: float):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _png(image: PILImage.Image, name: str) -> ImageFile:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return ImageFile(buffer, name=name)


def hero(*, seed: str, primary: str, accent: str, size=(1600, 900)) -> PILImage.Image:
    """A diagonal gradient with soft circles and bars: reads as 'event photo' without pretending."""
    rnd = random.Random(seed)
    a, b = _rgb(primary), _rgb(accent)
    width, height = size
    image = PILImage.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 4):
        draw.rectangle([x, 0, x + 4, height], fill=_mix(a, b, x / width * 0.85))
    overlay = PILImage.new("RGBA", size, (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    for _ in range(14):
        radius = rnd.randint(60, 320)
        cx, cy = rnd.randint(0, width), rnd.randint(0, height)
        shapes.ellipse([cx - radius, cy - radius, cx + radius, cy + radius],
                       fill=(255, 255, 255, rnd.randint(18, 60)))
    for n in range(6):  # a stage and a crowd, suggested
        x = 120 + n * 240 + rnd.randint(-30, 30)
        shapes.rounded_rectangle([x, height - 260, x + 150, height], radius=70, fill=(0, 0, 0, 70))
    shapes.rectangle([0, height - 120, width, height], fill=(0, 0, 0, 90))
    return PILImage.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def word_mark(*, text: str, primary: str, accent: str, size=(480, 120)) -> PILImage.Image:
    image = PILImage.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, size[1], size[1]], radius=24, fill=_rgb(primary))
    draw.ellipse([size[1] * 0.28, size[1] * 0.28, size[1] * 0.72, size[1] * 0.72], fill=_rgb(accent))
    font = ImageFont.load_default(size=56)
    draw.text((size[1] + 20, size[1] / 2), text, fill=_rgb(primary), font=font, anchor="lm")
    return image


def favicon(*, primary: str, accent: str) -> PILImage.Image:
    image = PILImage.new("RGBA", (128, 128), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, 127, 127], radius=28, fill=_rgb(primary))
    draw.ellipse([34, 34, 94, 94], fill=_rgb(accent))
    return image


def portrait(*, seed: str, colour: str) -> PILImage.Image:
    rnd = random.Random(seed)
    base = _rgb(colour)
    image = PILImage.new("RGB", (600, 600), _mix(base, (255, 255, 255), 0.75))
    draw = ImageDraw.Draw(image)
    skin = rnd.choice([(241, 204, 170), (224, 172, 128), (198, 134, 90), (141, 85, 36), (255, 219, 180)])
    draw.ellipse([90, 380, 510, 800], fill=base)  # shoulders
    draw.ellipse([190, 130, 410, 370], fill=skin)  # head
    draw.pieslice([180, 100, 420, 330], 180, 360, fill=rnd.choice([(40, 30, 25), (90, 60, 40), (20, 20, 20), (160, 120, 70)]))
    return image


def sponsor_logo(*, name: str, colour: str) -> PILImage.Image:
    image = PILImage.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 160), (90, 40), (160, 160)], fill=_rgb(colour))
    draw.text((190, 100), name, fill=_rgb(colour), font=ImageFont.load_default(size=54), anchor="lm")
    return image


def as_file(image: PILImage.Image, name: str) -> ImageFile:
    return _png(image, name)
