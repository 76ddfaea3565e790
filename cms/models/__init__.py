"""Wagtail models of an organization's site: snippets, page types, branding, registration questions."""

from cms.models.branding import FONT_STACKS, Branding
from cms.models.pages import ContentPage, EventIndexPage, EventPage, HomeFeaturedEvent, HomePage, Visibility
from cms.models.registration import FieldType, RegistrationForm, RegistrationQuestion
from cms.models.snippets import EventCategory, Speaker, Sponsor, Venue

__all__ = [
    "FONT_STACKS", "Branding", "ContentPage", "EventIndexPage", "EventPage", "HomeFeaturedEvent", "HomePage",
    "Visibility", "FieldType", "RegistrationForm", "RegistrationQuestion", "EventCategory", "Speaker", "Sponsor",
    "Venue",
]
