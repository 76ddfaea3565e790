"""The organization's colour and logo for receipts, read without importing cms (operations must
not): settings.INVOICING_BRANDING_MODEL names the Wagtail site setting ("app_label.Model") that
has ``primary_colour`` and ``logo``. Branding is decoration: anything missing gives the defaults."""

import logging
import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings

log = logging.getLogger(__name__)

DEFAULT_COLOUR = "#1d4ed8"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Brand:
    colour: str = DEFAULT_COLOUR
    logo_path: str = ""  # a PNG or JPEG file on disk, or ""


def brand_current() -> Brand:
    """The current organization's brand (call inside its schema)."""
    label = getattr(settings, "INVOICING_BRANDING_MODEL", "")
    if not label:
        return Brand()
    try:
        from wagtail.models import Site

        model = apps.get_model(label)
        site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
        if site is None:
            return Brand()
        branding = model.for_site(site)
        colour = getattr(branding, "primary_colour", "") or DEFAULT_COLOUR
        logo_path = ""
        logo = getattr(branding, "logo", None)
        if logo is not None and logo.file.name.lower().endswith((".png", ".jpg", ".jpeg")):
            logo_path = logo.file.path
        return Brand(colour=colour if _HEX.match(colour) else DEFAULT_COLOUR, logo_path=logo_path)
    except Exception:  # noqa: BLE001 - a receipt must not fail over its decoration
        log.warning("branding unavailable for receipts", exc_info=True)
        return Brand()
