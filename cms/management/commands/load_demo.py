"""`manage.py load_demo`: three demo organizations with a member per role, branding, events and
their pages, plus a platform operator. `--describe` prints where to sign in and changes nothing.

Idempotent: organizations are found by slug and created only when missing (through the
provisioning service, like any other organization); events and pages are matched by slug and
written only when they differ, so a second run changes nothing. Event dates are set relative to
the first run and moved forward only once an event has ended, so the demo stays upcoming.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from operations.ticketing.demo import FREE_ENTRY, demo_ticketing_load
from wagtail.models import Site

from cms.demo_content import demo_questions_ensure, site_dress
from cms.models import Branding, EventPage, HomePage
from cms.setup import workflow_ensure
from operations.accounts.models import User
from operations.events.models import Event
from operations.organizations.errors import OrganizationError
from operations.organizations.models import Membership, Organization
from operations.organizations.roles import Role
from operations.organizations.services import membership_invite, organization_create

DEFAULT_PASSWORD = "tessera-demo-2026"
OPERATOR_EMAIL = "operator@tessera.example"
OPERATOR_NAME = ("Platform", "Operator")
IN_PERSON, HYBRID = Event.Format.IN_PERSON, Event.Format.HYBRID


@dataclass(frozen=True)
class DemoEvent:
    slug: str
    name: str
    summary: str
    body: str
    venue_name: str
    city: str
    day: int  # days after the organization's first demo day
    starts: time
    ends: time  # before `starts` means the next day
    format: str = IN_PERSON
    online_url: str = ""


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    name_en: str
    timezone: str
    locale: str
    country: str
    currency: str
    # The first demo day: the given weekday on or after this many weeks from today.
    weeks_ahead: int
    weekday: int  # Monday is 0
    people: dict[str, tuple[str, str]]  # role -> (first name, last name)
    hero_title: str
    hero_text: str
    body: str
    colours: dict[str, str]  # Branding fields
    footer_text: str
    events: tuple[DemoEvent, ...]

    def email(self, role: str) -> str:
        return f"{role}@{self.slug}.example"


DEMO_ORGANIZATIONS = (
    DemoOrganization(
        slug="seoul-tech",
        name="서울 테크 서밋",
        name_en="Seoul Tech Summit",
        timezone="Asia/Seoul",
        locale="ko",
        country="KR",
        currency="KRW",
        weeks_ahead=5,
        weekday=1,
        people={
            Role.OWNER: ("지현", "김"),
            Role.ADMIN: ("준호", "이"),
            Role.MARKETING: ("서연", "박"),
            Role.STAFF: ("민수", "최"),
            Role.FINANCE: ("하은", "정"),
        },
        hero_title="서울 테크 서밋 · Seoul Tech Summit",
        hero_text="개발자, 창업가, 연구자가 한자리에 모이는 서울의 기술 컨퍼런스. AI와 클라우드, 그리고 다음 세대의 제품을 이야기합니다.",
        body=(
            "<p>서울 테크 서밋은 매년 3,000명이 넘는 개발자와 창업가가 참여하는 비영리 기술 행사입니다. "
            "워크숍으로 시작해 본 컨퍼런스와 네트워킹 나이트까지, 일주일 동안 서울 곳곳에서 열립니다.</p>"
            "<p><b>For international guests:</b> keynotes are interpreted into English, and the volunteers at "
            "the info desk speak English.</p>"
        ),
        colours={
            "primary_colour": "#1e3a8a",
            "accent_colour": "#c2410c",
            "text_colour": "#1c1917",
            "background_colour": "#fdfcf8",
        },
        footer_text="서울 테크 서밋 조직위원회 · hello@seoul-tech.example",
        events=(
            DemoEvent(
                slug="ai-builders-workshop",
                name="AI 빌더 워크숍: LLM 서비스 실전 배포",
                summary="RAG 파이프라인 설계부터 평가, 비용 최적화까지. 노트북을 가져와 직접 만들어 보는 실습 워크숍입니다 (정원 40명).",
                body=(
                    "<p>실제 서비스에 LLM을 붙일 때 부딪히는 문제를 네 시간 동안 함께 풀어 봅니다.</p>"
                    "<h3>다루는 내용</h3>"
                    "<ul><li>문서 검색(RAG) 파이프라인 설계</li><li>응답 품질 평가 자동화</li>"
                    "<li>토큰 비용과 지연 시간 줄이기</li></ul>"
                    "<p>Python 기초 지식이 필요합니다. The workshop is held in Korean; slides are in English.</p>"
                ),
                venue_name="마루180 (MARU180)",
                city="서울",
                day=0,
                starts=time(14, 0),
                ends=time(18, 0),
            ),
            DemoEvent(
                slug="main-conference",
                name="서울 테크 서밋 본 컨퍼런스 (Main Conference)",
                summary="키노트 6개, 트랙 세션 40여 개, 스폰서 부스까지. 하루 동안 펼쳐지는 서울 테크 서밋의 메인 행사입니다.",
                body=(
                    "<p>올해의 주제는 <b>“함께 만드는 AI”</b>입니다. 세 개의 트랙이 동시에 진행되며, "
                    "모든 세션은 온라인으로도 생중계됩니다.</p>"
                    "<h3>주요 세션</h3>"
                    "<ul><li>키노트: 한국어 LLM 생태계의 현재와 미래</li>"
                    "<li>플랫폼 엔지니어링: 쿠버네티스 이후의 운영</li>"
                    "<li>패널: 글로벌 시장에 도전하는 한국 스타트업</li></ul>"
                    "<p>점심 식사와 커피가 포함되어 있습니다. Keynotes are interpreted into English.</p>"
                ),
                venue_name="코엑스 그랜드볼룸 (COEX Grand Ballroom)",
                city="서울",
                day=2,
                starts=time(9, 30),
                ends=time(18, 0),
                format=HYBRID,
                online_url="https://live.seoul-tech.example/main-conference",
            ),
            DemoEvent(
                slug="startup-night",
                name="스타트업 네트워킹 나이트 in 성수",
                summary="창업가, 투자자, 개발자가 함께하는 저녁 네트워킹. 라이트닝 토크 8개와 가벼운 케이터링이 준비됩니다.",
                body=(
                    "<p>본 컨퍼런스 다음 날 저녁, 성수동에서 편하게 만나요. 5분 라이트닝 토크 8개로 시작해 "
                    "자유로운 네트워킹으로 이어집니다.</p>"
                    "<p>음료와 간단한 식사가 제공됩니다. English-speaking founders are very welcome.</p>"
                ),
                venue_name="성수 S-Factory",
                city="서울",
                day=3,
                starts=time(19, 0),
                ends=time(22, 0),
            ),
        ),
    ),
    DemoOrganization(
        slug="wellington-jazz",
        name="Wellington Jazz Festival",
        name_en="",
        timezone="Pacific/Auckland",
        locale="en",
        country="NZ",
        currency="NZD",
        weeks_ahead=4,
        weekday=4,
        people={
            Role.OWNER: ("Aroha", "Ngata"),
            Role.ADMIN: ("James", "Wilson"),
            Role.MARKETING: ("Mele", "Tupou"),
            Role.STAFF: ("Oliver", "Chen"),
            Role.FINANCE: ("Sophie", "Taylor"),
        },
        hero_title="Wellington Jazz Festival",
        hero_text=(
            "Three days of jazz across Pōneke, from the Michael Fowler Centre to the late-night rooms of Cuba Street."
        ),
        body=(
            "<p>Every year the festival brings local and visiting musicians to stages across the city. "
            "The headline concerts sell out early, so book ahead; the club nights keep a few tickets for the door.</p>"
            "<p>All venues are wheelchair accessible. Under-18s are welcome at daytime and early-evening "
            "shows with an adult.</p>"
        ),
        colours={
            "primary_colour": "#0f5e63",
            "accent_colour": "#b7791f",
            "text_colour": "#10262e",
            "background_colour": "#f6fafa",
        },
        footer_text="Wellington Jazz Festival Trust · Te Whanganui-a-Tara",
        events=(
            DemoEvent(
                slug="opening-night-gala",
                name="Opening Night Gala",
                summary="A 17-piece big band and guest vocalists open the festival with the music of Duke Ellington.",
                body=(
                    "<p>The festival opens in the Michael Fowler Centre with a full big band and three guest "
                    "vocalists, playing Ellington classics alongside new arrangements by New Zealand composers.</p>"
                    "<p>Doors open at 18:45. Seating is allocated; the bar in the foyer stays open during the "
                    "interval.</p>"
                ),
                venue_name="Michael Fowler Centre",
                city="Wellington",
                day=0,
                starts=time(19, 30),
                ends=time(22, 0),
            ),
            DemoEvent(
                slug="late-sets-cuba-street",
                name="Late Sets on Cuba Street",
                summary="Small-band jazz until late: three trios, one room, standing only.",
                body=(
                    "<p>Three trios take turns through the night, from hard bop to free improvisation. "
                    "Come for one set or stay for all three.</p>"
                    "<p>18+ event; photo ID required at the door.</p>"
                ),
                venue_name="San Fran",
                city="Wellington",
                day=1,
                starts=time(21, 0),
                ends=time(23, 45),
            ),
            DemoEvent(
                slug="harbourside-sunday-session",
                name="Harbourside Sunday Session",
                summary="A relaxed afternoon of Latin jazz and brunch on the waterfront, free for children under 12.",
                body=(
                    "<p>Close the festival by the harbour with a Latin jazz sextet, brunch from local kitchens "
                    "and a hands-on percussion corner for kids.</p>"
                    "<p>Can't make it? The session is streamed live.</p>"
                ),
                venue_name="Te Raukura Wharewaka",
                city="Wellington",
                day=2,
                starts=time(11, 30),
                ends=time(15, 0),
                format=HYBRID,
                online_url="https://live.wellington-jazz.example/sunday-session",
            ),
        ),
    ),
    DemoOrganization(
        slug="berlin-design",
        name="Berlin Design Week",
        name_en="",
        timezone="Europe/Berlin",
        locale="en",
        country="DE",
        currency="EUR",
        weeks_ahead=7,
        weekday=3,
        people={
            Role.OWNER: ("Lena", "Hoffmann"),
            Role.ADMIN: ("Jonas", "Weber"),
            Role.MARKETING: ("Mira", "Schulz"),
            Role.STAFF: ("Felix", "Wagner"),
            Role.FINANCE: ("Anna", "Becker"),
        },
        hero_title="Berlin Design Week",
        hero_text="Exhibitions, talks and open studios about how we make, use and repair the things around us.",
        body=(
            "<p>For one week, studios, galleries and former industrial halls across Berlin open their doors to "
            "designers and the curious public. This year's theme is <i>repair</i>: objects built to last, "
            "materials that come back, and services that keep things in use.</p>"
            "<p>Most talks are in English; exhibitions are free unless marked otherwise.</p>"
        ),
        colours={
            "primary_colour": "#b3133b",
            "accent_colour": "#1f1f1f",
            "text_colour": "#111111",
            "background_colour": "#fafaf7",
        },
        footer_text="Berlin Design Week e.V. · Berlin",
        events=(
            DemoEvent(
                slug="opening-exhibition",
                name="Opening Exhibition: Material Futures",
                summary=(
                    "Forty studios show prototypes in mycelium, recycled aluminium and reclaimed timber. "
                    "Drinks and DJ from 20:00."
                ),
                body=(
                    "<p>The week opens in the turbine hall of a former power station with work from forty studios "
                    "in Berlin, Rotterdam and Milan.</p>"
                    "<ul><li>Mycelium packaging and acoustic panels</li><li>Furniture from recycled aluminium</li>"
                    "<li>Flooring from reclaimed timber</li></ul>"
                ),
                venue_name="Kraftwerk Berlin",
                city="Berlin",
                day=0,
                starts=time(18, 0),
                ends=time(23, 0),
            ),
            DemoEvent(
                slug="talk-designing-for-repair",
                name="Talk: Designing for Repair",
                summary=(
                    "Product designers and repair-café organisers discuss what makes an object easy to fix, "
                    "and why so few are."
                ),
                body=(
                    "<p>A panel of product designers, a repair-café organiser and a policy researcher on the "
                    "EU right to repair and what it means for the products we design.</p>"
                    "<p>In English, with live captions. Also streamed online.</p>"
                ),
                venue_name="Haus der Kulturen der Welt",
                city="Berlin",
                day=1,
                starts=time(17, 0),
                ends=time(19, 0),
                format=HYBRID,
                online_url="https://live.berlin-design.example/designing-for-repair",
            ),
            DemoEvent(
                slug="open-studios-kreuzberg",
                name="Open Studios Kreuzberg",
                summary=(
                    "Twelve studios between Kottbusser Tor and the canal open their workshops. "
                    "Start at the meeting point and walk."
                ),
                body=(
                    "<p>Pick up a map at the meeting point and visit the studios at your own pace: furniture makers, "
                    "a letterpress workshop, ceramicists and a bicycle frame builder.</p>"
                    "<p>Free with a ticket; guided tours in English leave every hour.</p>"
                ),
                venue_name="Aquarium am Südblock",
                city="Berlin",
                day=2,
                starts=time(11, 0),
                ends=time(17, 0),
            ),
        ),
    ),
)


class Command(BaseCommand):
    help = "Create or refresh the demo organizations, their members, pages and events (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of every demo account")
        parser.add_argument("--describe", action="store_true", help="Print the demo URLs and logins; change nothing")

    def handle(self, *args, password: str, describe: bool, **options):
        if describe:
            self.stdout.write(_describe(password=password))
            return
        if options["verbosity"] < 2:
            # Wagtail logs every page it creates and publishes; the summary below says enough.
            logging.getLogger("wagtail").setLevel(logging.WARNING)
        now = timezone.now()
        for spec in DEMO_ORGANIZATIONS:
            try:
                organization, changes = _organization_ensure(spec=spec)
                changes += _members_ensure(organization=organization, spec=spec)
            except OrganizationError as error:
                raise CommandError(f"{spec.slug}: {error.message} [{error.code}]") from None
            with schema_context(organization.schema_name), transaction.atomic():
                changes += _site_fill(organization=organization, spec=spec, now=now)
            # Ticket types, quotas, sessions, promo codes and a few orders for every event, then
            # the questions attendees answer (one for students only: after the ticket types).
            demo_ticketing_load(organization)
            with schema_context(organization.schema_name), transaction.atomic():
                changes += demo_questions_ensure(skip=FREE_ENTRY)
            self._report(spec.slug, changes)
        self._report("accounts", _accounts_ensure(password=password))

    def _report(self, label: str, changes: list[str]) -> None:
        summary = ", ".join(changes) if changes else "unchanged"
        self.stdout.write(f"{label:<16} {summary}")


# --- Public schema: organizations and people --------------------------------------------------

def _organization_ensure(*, spec: DemoOrganization) -> tuple[Organization, list[str]]:
    organization = Organization.objects.filter(slug=spec.slug).first()
    if organization:
        return organization, []
    organization = organization_create(
        slug=spec.slug, name=spec.name, name_en=spec.name_en, owner_email=spec.email(Role.OWNER),
        timezone=spec.timezone, locale=spec.locale,
    )
    return organization, ["organization created"]


def _members_ensure(*, organization: Organization, spec: DemoOrganization) -> list[str]:
    # A member whose role was changed since (in the admin) keeps it: the demo does not undo edits.
    invited = 0
    for role in spec.people:
        email = spec.email(role)
        if not Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
            membership_invite(organization=organization, email=email, role=role, actor=None)
            invited += 1
    return [_counted(invited, "member", "invited")] if invited else []


def _accounts_ensure(*, password: str) -> list[str]:
    """Names and password of every demo account, and the platform operator."""
    changes = []
    operator = User.objects.filter(email__iexact=OPERATOR_EMAIL).first()
    if operator is None:
        User.objects.create_superuser(email=OPERATOR_EMAIL, password=None)
        changes.append("operator created")
    elif not (operator.is_platform_operator and operator.is_staff and operator.is_active):
        operator.is_platform_operator = operator.is_staff = operator.is_active = True
        operator.save(update_fields=["is_platform_operator", "is_staff", "is_active"])
        changes.append("operator rights restored")

    names = {OPERATOR_EMAIL: OPERATOR_NAME}
    for spec in DEMO_ORGANIZATIONS:
        names.update({spec.email(role): person for role, person in spec.people.items()})
    users = list(User.objects.filter(email__in=names))
    # One hash shared by every demo account (the password is published anyway): checking each
    # account's own would cost a deliberately slow hash per account on every run.
    encoded = next((h for h in {u.password for u in users} if check_password(password, h)), None)
    encoded = encoded or make_password(password)
    updated = 0
    for user in users:
        first_name, last_name = names[user.email]
        if _assign(user, {"first_name": first_name, "last_name": last_name, "password": encoded}):
            user.save(update_fields=["first_name", "last_name", "password"])
            updated += 1
    if updated:
        changes.append(_counted(updated, "account", "given names and the demo password"))
    return changes


# --- Inside the organization's schema: site, branding, events, pages --------------------------

def _site_fill(*, organization: Organization, spec: DemoOrganization, now: datetime) -> list[str]:
    home = HomePage.objects.first()
    site = Site.objects.filter(root_page=home).first() if home else None
    if site is None:
        raise CommandError(f"{spec.slug} has no site: it was not provisioned by organization_create.")
    changes = []
    if _assign(home, {"hero_title": spec.hero_title, "hero_text": spec.hero_text, "body": spec.body}):
        home.save_revision().publish()
        changes.append("home page published")

    branding = Branding.for_site(site)
    if _assign(branding, {**spec.colours, "footer_text": spec.footer_text}):
        branding.full_clean()  # the WCAG AA contrast rule lives in Branding.clean
        branding.save()
        changes.append("branding set")

    first_day = _first_day(spec=spec, zone=ZoneInfo(organization.timezone), now=now)
    counts = {("event", "created"): 0, ("event", "updated"): 0, ("page", "published"): 0}
    for item in spec.events:
        event, outcome = _event_ensure(organization=organization, spec=spec, item=item, first_day=first_day, now=now)
        if outcome:
            counts["event", outcome] += 1
        if _event_page_ensure(home=home, item=item, event=event):
            counts["page", "published"] += 1
    changes += [_counted(count, noun, verb) for (noun, verb), count in counts.items() if count]
    pages = {item.slug: EventPage.objects.child_of(home).select_related("event").get(slug=item.slug) for item in spec.events}
    changes += site_dress(slug=spec.slug, home=home, branding=branding, colours=spec.colours, event_pages=pages,
                          country=spec.country)
    workflow_ensure(organization=organization, home=home)
    return changes


def _first_day(*, spec: DemoOrganization, zone: ZoneInfo, now: datetime) -> date:
    day = _on_or_after(now.astimezone(zone).date() + timedelta(weeks=spec.weeks_ahead), weekday=spec.weekday)
    span = [day + timedelta(days=n) for n in range(max(item.day for item in spec.events) + 1)]
    # Nobody holds a festival over Christmas and New Year: a demo that did would look broken.
    if holiday := next((d for d in span if (d.month, d.day) >= (12, 18) or (d.month, d.day) <= (1, 6)), None):
        day = _on_or_after(date(holiday.year + (holiday.month == 12), 1, 7), weekday=spec.weekday)
    return day


def _on_or_after(day: date, *, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _event_ensure(
    *, organization: Organization, spec: DemoOrganization, item: DemoEvent, first_day: date, now: datetime
) -> tuple[Event, str]:
    """The event with this slug, written when it differs; outcome "created", "updated" or ""."""
    values = {
        "name": item.name, "timezone": organization.timezone, "status": Event.Status.PUBLISHED,
        "format": item.format, "venue_name": item.venue_name, "city": item.city, "country": spec.country,
        "online_url": item.online_url, "currency": spec.currency,
    }
    event = Event.objects.filter(slug=item.slug).first()
    # Dates move only for a new event or one that is over: rerunning keeps them, an old demo
    # database gets upcoming events again.
    if event is None or event.ends_at < now:
        zone = ZoneInfo(organization.timezone)
        day = first_day + timedelta(days=item.day)
        end_day = day if item.ends > item.starts else day + timedelta(days=1)
        values["starts_at"] = datetime.combine(day, item.starts, tzinfo=zone)
        values["ends_at"] = datetime.combine(end_day, item.ends, tzinfo=zone)
    outcome = "updated"
    if event is None:
        event, outcome = Event(slug=item.slug), "created"
        _assign(event, values)
    elif not _assign(event, values):
        return event, ""
    event.full_clean()
    event.save()
    return event, outcome


def _event_page_ensure(*, home: HomePage, item: DemoEvent, event: Event) -> bool:
    """The published page for the event under the home page; True when it was (re)published."""
    values = {"title": item.name, "summary": item.summary, "body": item.body, "event_id": event.pk}
    page = EventPage.objects.child_of(home).filter(slug=item.slug).first()
    if page is None:
        page = home.add_child(instance=EventPage(slug=item.slug, live=False, **values))
    elif not _assign(page, values) and page.live:
        return False
    page.save_revision().publish()
    return True


def _counted(count: int, noun: str, verb: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'} {verb}"


def _assign(instance, values: dict) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


# --- --describe -------------------------------------------------------------------------------

def _describe(*, password: str) -> str:
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    portal = f"{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}{port}/"
    lines = [
        f"{settings.PLATFORM_NAME} demo · password for every account below: {password}",
        "",
        f"{'Portal':<16}{portal}",
        f"{'Platform admin':<16}{portal}platform-admin/  (sign in as {OPERATOR_EMAIL})",
    ]
    width = max(len(spec.email(role)) for spec in DEMO_ORGANIZATIONS for role in spec.people) + 2
    organizations = {o.slug: o for o in Organization.objects.filter(slug__in=[s.slug for s in DEMO_ORGANIZATIONS])}
    for spec in DEMO_ORGANIZATIONS:
        lines.append("")
        organization = organizations.get(spec.slug)
        if organization is None:
            lines.append(f"{spec.name_en or spec.name}: not loaded yet (manage.py load_demo)")
            continue
        lines += [
            f"{organization.name}" + (f" ({organization.name_en})" if organization.name_en else ""),
            f"  {'Site':<14}{organization.url()}",
            f"  {'Admin':<14}{organization.url('/admin/')}",
        ]
        roles = dict(
            Membership.objects.filter(organization=organization, user__email__in=[spec.email(r) for r in spec.people])
            .values_list("user__email", "role")
        )
        for index, role in enumerate(spec.people):
            label = "Sign in as" if index == 0 else ""
            email = spec.email(role)
            held = Role(roles[email]).label if email in roles else "not a member: run load_demo"
            lines.append(f"  {label:<14}{email:<{width}}{held}")
    return "\n".join(lines) + "\n"
