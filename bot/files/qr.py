"""The check-in QR code of an offline event, as a PNG for the organizer to show at the door."""

from __future__ import annotations

import io

import segno

# Pixels per module: 37 modules (version 5) with the quiet zone make a ~370 px image,
# large enough to scan from a phone held up to another phone's screen.
SCALE = 8
BORDER = 4


def checkin_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start=checkin_{token}"


def qr_png(text: str) -> bytes:
    """`text` as a QR code PNG; error correction M survives a cracked or glaring screen."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=SCALE, border=BORDER)
    return buffer.getvalue()
