"""Attendee-facing pages of the root domain (discovery) and the search page of each
organization's site. Views parse the query string, call search, and degrade to the public copy
of the listing when the search server cannot answer: never an error page."""

import logging

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from operations.accounts.attendee_orders import attendee_orders
from portal.selectors import listed_events_upcoming, organizations_listed
from search.client import SEARCH_ERRORS
from search.queries import FORMATS, WHEN, DiscoveryQuery, discovery_search, popular_facets, suggestions

KM_CHOICES = (5, 10, 25, 50, 100, 250, 1000)

logger = logging.getLogger(__name__)


def _search_context(request, *, organization_slug: str | None = None) -> dict:
    query = DiscoveryQuery.from_querydict(request.GET)
    now = timezone.now()
    context = {
        "query": query, "formats": FORMATS, "when_choices": list(WHEN.items()),
        "km_choices": sorted({*KM_CHOICES, query.km}), "active_filters": query.active_filters(),
        "without_filters_url": query.without_filters(), "results": None, "popular": None, "fallback": None,
        "unavailable": False, "search_action": request.path,
        "suggest_url": reverse("organization_suggest") if organization_slug else reverse("portal:suggest"),
    }
    try:
        results = discovery_search(query, now=now, organization_slug=organization_slug)
        context["results"] = results
        if results.total == 0:
            context["popular"] = popular_facets(now=now, organization_slug=organization_slug)
    except SEARCH_ERRORS as exc:
        logger.warning("search unavailable, showing the fallback list: %s", exc.__class__.__name__)
        context["unavailable"] = True
        context["fallback"] = listed_events_upcoming(now=now, organization_slug=organization_slug)
    return context


@require_GET
def home(request):
    """Discovery: one search box over every organization's public events."""
    context = _search_context(request)
    query = context["query"]
    context["organizations"] = organizations_listed() if not (query.q or query.is_filtered) else None
    return render(request, "portal/discovery.html", context)


@require_GET
def suggest(request):
    """Titles for the search box as you type (JSON), from the same index."""
    return _suggest(request, organization_slug=None)


def _suggest(request, *, organization_slug: str | None):
    slug = organization_slug
    try:
        found = suggestions(request.GET.get("q", ""), now=timezone.now(), organization_slug=slug)
    except SEARCH_ERRORS:
        return JsonResponse({"suggestions": [], "available": False})
    response = JsonResponse({"suggestions": found, "available": True})
    response["Cache-Control"] = "public, max-age=30"
    return response


@require_GET
def organization_search(request):
    """Search on an organization's own site: its events (same engine, same filters) and its
    other pages (Wagtail's search in its own schema)."""
    organization = request.tenant
    context = _search_context(request, organization_slug=organization.slug)
    context["pages"] = _pages_matching(context["query"].q) if context["query"].q else []
    return render(request, "portal/discovery_site.html", context)


@require_GET
def organization_suggest(request):
    return _suggest(request, organization_slug=request.tenant.slug)


def _pages_matching(q: str) -> list:
    from wagtail.models import Page

    from cms.models import EventPage

    try:
        # Event pages are already in the results above (from the index, with filters).
        pages = Page.objects.live().public().not_type(EventPage).filter(depth__gt=1).specific()
        return list(pages.search(q)[:10])
    except Exception:  # the page index is a convenience here; the events above are the point
        logger.warning("page search failed", exc_info=True)
        return []


@login_required
@require_GET
def my_tickets(request):
    """Every order of the signed-in person, from every organization, upcoming events first; each
    links to its order page (tickets, calendar, changes) on the organization's site."""
    orders = attendee_orders(user=request.user)
    now = timezone.now()
    upcoming = sorted((o for o in orders if o.event_starts_at >= now), key=lambda o: o.event_starts_at)
    past = [o for o in orders if o.event_starts_at < now]
    return render(request, "portal/my_tickets.html", {"upcoming": upcoming, "past": past})
