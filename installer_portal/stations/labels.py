"""QR labels for stations: one as PNG, or a printable PDF sheet of many (A4 or Letter), laid out in parts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import current_app, render_template

from core.pdf import data_uri, lay_out
from core.qr import qr_image, qr_png

from .models import Station

if TYPE_CHECKING:
    from PIL import ImageFont

#: The path of the station page. Every printed label's QR code holds it, so it never changes: the
#: station blueprint is mounted here and the QR parser reads serial numbers from it.
STATION_PATH = "/s"
#: The fonts printed on a label, shipped with the app (static/vendor/dejavu) so every host draws the same label.
FONTS = {"text": "DejaVuSans.ttf", "code": "DejaVuSansMono.ttf"}
PAPER_SIZES = {"a4": "A4", "letter": "letter"}


def station_url(station: Station) -> str:
    """What the label's QR code holds: the station page the phone's camera opens."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{STATION_PATH}/{quote(station.serial, safe='')}"


def _font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(Path(current_app.static_folder or "") / "vendor" / "dejavu" / FONTS[kind]), size)


def label_png(station: Station) -> bytes:
    """One label: the QR code with the serial number and MAC address printed under it."""
    from PIL import Image, ImageDraw

    qr = qr_image(station_url(station))
    width = max(qr.width, 520)
    label = Image.new("RGB", (width, qr.height + 110), "white")
    label.paste(qr, ((width - qr.width) // 2, 0))
    draw = ImageDraw.Draw(label)
    for text, font, y in ((f"S/N {station.serial}", _font("text", 30), qr.height + 4),
                          (f"MAC {station.mac}", _font("code", 30), qr.height + 52)):
        draw.text(((width - draw.textlength(text, font=font)) / 2, y), text, fill="black", font=font)
    buffer = io.BytesIO()
    label.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def label_sheet_part(stations: list[Station], paper: str) -> Any:
    """Some pages of a sheet of labels to print and cut, each with its QR code, serial number and MAC address
    (`core.pdf.join_pdf` joins the parts of a sheet)."""
    labels = [(station, data_uri(qr_png(station_url(station)), "image/png")) for station in stations]
    return lay_out(render_template("pdf/labels.html", labels=labels, page_size=PAPER_SIZES[paper]))
