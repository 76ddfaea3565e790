"""Fonts for every PDF Tessera prints (tickets, badges, receipts, attendee lists).

DejaVu Sans (from the system) covers Latin, Greek, Cyrillic and umlauts; it has no Hangul, so
NanumGothic (vendored from npm @expo-google-fonts/nanum-gothic, OFL, see package.json) is added as
the fallback when the document's text needs it. It is large, so it is loaded only then."""

from collections.abc import Callable, Iterable
from pathlib import Path

from fpdf import FPDF

LATIN = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/TTF/DejaVuSans.ttf")]
KOREAN = Path(__file__).resolve().parent / "fonts" / "NanumGothic-Regular.ttf"


def needs_korean(value: str) -> bool:
    """Hangul or CJK characters, which DejaVu Sans does not have."""
    return any(0x1100 <= ord(c) <= 0x11FF or 0x3000 <= ord(c) <= 0x9FFF or 0xAC00 <= ord(c) <= 0xD7AF
               or 0xF900 <= ord(c) <= 0xFAFF or 0xFF00 <= ord(c) <= 0xFFEF for c in value)


def pdf_fonts(pdf: FPDF, *, texts: Iterable[str] = (), korean: bool = False) -> tuple[str, Callable[[str], str]]:
    """Add the body font to ``pdf`` (and the Korean fallback when one of ``texts`` needs it, or
    ``korean`` says so because the text is not known yet). Returns the font family to use and a
    function that makes a string printable in it."""
    latin = next((f for f in LATIN if f.exists()), None)
    if latin is None:  # no DejaVu on this machine: Latin-1 only
        return "Helvetica", lambda value: str(value or "").encode("latin-1", "replace").decode("latin-1")
    pdf.add_font("Body", "", str(latin))
    if KOREAN.exists() and (korean or any(needs_korean(t or "") for t in texts)):
        pdf.add_font("Korean", "", str(KOREAN))
        pdf.set_fallback_fonts(["Korean"])
    return "Body", lambda value: str(value or "")
