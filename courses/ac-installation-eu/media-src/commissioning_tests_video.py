"""Renders media/commissioning-tests.<lang>.webm from commissioning-tests.slides.toml, one video per language.

The video is text on slides, so it is built from text rather than kept only as an opaque binary: translators and
reviewers change the TOML, and this script draws each slide with Pillow (DejaVu fonts, Debian's fonts-dejavu-core)
and encodes it to VP9 WebM with the ffmpeg binary of the `imageio-ffmpeg` package (the `media` extra, never a
dependency of the app). Same sources and same ffmpeg, same bytes. Run from the repository root:

    .venv/bin/pip install -e '.[media]'
    .venv/bin/python courses/ac-installation-eu/media-src/commissioning_tests_video.py
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "commissioning-tests.slides.toml"
MEDIA = HERE.parent / "media"
SIZE = WIDTH, HEIGHT = 640, 360
FPS = 12
MARGIN = 28
FONTS = Path("/usr/share/fonts/truetype/dejavu")
BACKGROUND, INK, MUTED, BLUE, ORANGE, TRACK = "#f5f7fb", "#1f2430", "#5b6270", "#1f5fbf", "#d9661f", "#dde2ea"


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


TITLE, TEXT, BOLD, BADGE = font(23, bold=True), font(18), font(18, bold=True), font(22, bold=True)


def wrap(draw: ImageDraw.ImageDraw, words: list[tuple[str, ImageFont.FreeTypeFont]], width: int
         ) -> list[list[tuple[str, ImageFont.FreeTypeFont]]]:
    """Break styled words into rows no wider than `width` pixels."""
    rows: list[list[tuple[str, ImageFont.FreeTypeFont]]] = [[]]
    used = 0.0
    space = draw.textlength(" ", font=TEXT)
    for word, face in words:
        length = draw.textlength(word, font=face)
        if rows[-1] and used + space + length > width:
            rows.append([])
            used = 0.0
        used += (space if rows[-1] else 0) + length
        rows[-1].append((word, face))
    return rows


def slide(slide_data: dict, language: str) -> Image.Image:
    """One slide without its progress bar: the step badge, the title and the lines (text before ": " in bold)."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    left = MARGIN
    if "step" in slide_data:
        draw.ellipse((MARGIN, MARGIN - 4, MARGIN + 40, MARGIN + 36), fill=BLUE)
        draw.text((MARGIN + 20, MARGIN + 16), str(slide_data["step"]), font=BADGE, fill="white", anchor="mm")
        left = MARGIN + 54
    y = MARGIN
    for row in wrap(draw, [(w, TITLE) for w in slide_data["title"][language].split()], WIDTH - left - MARGIN):
        draw.text((left, y), " ".join(w for w, _ in row), font=TITLE, fill=INK)
        y += 30
    y += 18
    for line in slide_data["lines"][language]:
        head, colon, tail = line.partition(": ")
        words = [(w, BOLD) for w in (head + ":").split()] + [(w, TEXT) for w in tail.split()] if colon else \
            [(w, TEXT) for w in line.split()]
        draw.rectangle((MARGIN + 2, y + 8, MARGIN + 7, y + 13), fill=ORANGE)
        for row in wrap(draw, words, WIDTH - 2 * MARGIN - 18):
            x = MARGIN + 18.0
            for word, face in row:
                draw.text((x, y), word, font=face, fill=BLUE if face is BOLD else INK)
                x += draw.textlength(word + " ", font=face)
            y += 24
        y += 8
    if y > HEIGHT - 30:
        sys.exit(f"{language}: '{slide_data['title'][language]}' does not fit on its slide; shorten it")
    return image


def frame(base: Image.Image, index: int, count: int, share: float) -> bytes:
    """The slide with the progress bar: one segment per slide, the current one filling as it is shown."""
    image = base.copy()
    draw = ImageDraw.Draw(image)
    gap = 6
    segment = (WIDTH - 2 * MARGIN - gap * (count - 1)) / count
    for number in range(count):
        x = MARGIN + number * (segment + gap)
        draw.rounded_rectangle((x, HEIGHT - 24, x + segment, HEIGHT - 18), radius=3, fill=TRACK)
        filled = segment if number < index else segment * share if number == index else 0
        if filled:
            draw.rounded_rectangle((x, HEIGHT - 24, x + max(filled, 6), HEIGHT - 18), radius=3,
                                   fill=BLUE if number < index else ORANGE)
    return image.tobytes()


def render(language: str, sources: dict, ffmpeg: str) -> Path:
    """Encode one language's video; every slide gets the same share of `seconds`."""
    slides = sources["slides"]
    total = round(sources["seconds"] * FPS)
    target = MEDIA / f"commissioning-tests.{language}.webm"
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-",
               "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "42", "-pix_fmt", "yuv420p", "-g", str(FPS * 10),
               "-deadline", "good", "-cpu-used", "2", "-threads", "1",
               "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", str(target)]
    encoder = subprocess.Popen(command, stdin=subprocess.PIPE)  # noqa: S603 - the ffmpeg of imageio-ffmpeg, fixed arguments
    assert encoder.stdin is not None  # noqa: S101 - Popen with stdin=PIPE always has one
    for index, slide_data in enumerate(slides):
        base = slide(slide_data, language)
        first, last = index * total // len(slides), (index + 1) * total // len(slides)
        for number in range(first, last):
            encoder.stdin.write(frame(base, index, len(slides), (number - first + 1) / (last - first)))
    encoder.stdin.close()
    if encoder.wait():
        sys.exit(f"ffmpeg failed for {target}")
    return target


def main() -> None:
    import imageio_ffmpeg  # the `media` extra: only this script needs it

    sources = tomllib.loads(SOURCES.read_text("utf-8"))
    for language in sources["languages"]:
        target = render(language, sources, imageio_ffmpeg.get_ffmpeg_exe())
        print(f"{target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}: "
              f"{target.stat().st_size:,} bytes, {sources['seconds']} s")


if __name__ == "__main__":
    main()
