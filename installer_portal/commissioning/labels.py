"""QR labels for stations: one as PNG, or a printable PDF sheet of many (A4 or Letter)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from urllib.parse import quote

import qrcode
from flask import current_app, render_template
from PIL import Image, ImageDraw, ImageFont

from ..pdf import render_pdf
from .models import Station

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
PAPER_SIZES = {"a4": "A4", "letter": "letter"}


def station_url(station: Station) -> str:
    """What the label's QR code holds: the station page the phone's camera opens."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/s/{quote(station.serial, safe='')}"


def _qr(url: str) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def label_png(station: Station) -> bytes:
    """One label: the QR code with the serial number and MAC address printed under it."""
    qr = _qr(station_url(station))
    width = max(qr.width, 520)
    label = Image.new("RGB", (width, qr.height + 110), "white")
    label.paste(qr, ((width - qr.width) // 2, 0))
    draw = ImageDraw.Draw(label)
    for text, font, y in ((f"S/N {station.serial}", ImageFont.truetype(str(FONT), 30), qr.height + 4),
                          (f"MAC {station.mac}", ImageFont.truetype(str(FONT_MONO), 30), qr.height + 52)):
        draw.text(((width - draw.textlength(text, font=font)) / 2, y), text, fill="black", font=font)
    buffer = io.BytesIO()
    label.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def label_sheet_pdf(stations: list[Station], paper: str) -> bytes:
    """A sheet of labels to print and cut, each with its QR code, serial number and MAC address."""
    labels = []
    for station in stations:
        buffer = io.BytesIO()
        _qr(station_url(station)).save(buffer, format="PNG")
        labels.append((station, "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()))
    return render_pdf(render_template("pdf/labels.html", labels=labels, page_size=PAPER_SIZES[paper]))
