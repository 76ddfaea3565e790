"""Marketing content of the demo sites (load_demo): images, speakers, venues, sponsors, an events
index, about and FAQ pages, and the blocks of each event page.

Everything is created once and matched by name or slug afterwards; content an editor has changed
since is left alone (a page's blocks are filled only while they are empty)."""

from dataclasses import dataclass, field
from datetime import time

from wagtail.images.models import Image

from cms import demo_images
from cms.models import ContentPage, EventCategory, EventIndexPage, EventPage, HomePage, Speaker, Sponsor, Venue


@dataclass(frozen=True)
class DemoSite:
    word_mark: str
    font: str
    social: dict[str, str]
    index_title: str
    index_intro: str
    about_title: str
    about: str
    faq: tuple[tuple[str, str], ...]
    speakers: tuple[tuple[str, str, str, str], ...]  # name, title, organization, bio
    sponsors: tuple[tuple[str, str], ...]  # name, tier
    venues: dict[str, tuple[str, str, float, float, str]]  # venue name -> address, city, lat, lon, accessibility
    category: tuple[str, str]  # name, slug
    sessions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # event slug -> session titles
    quote: tuple[str, str] = ("", "")


SITES = {
    "seoul-tech": DemoSite(
        word_mark="STS", font="geometric",
        social={"x_url": "https://x.com/seoultech_example", "linkedin_url": "https://www.linkedin.com/company/seoul-tech-example",
                "youtube_url": "https://www.youtube.com/@seoultech-example"},
        index_title="행사 일정", index_intro="<p>워크숍, 본 컨퍼런스, 네트워킹 나이트까지 서울 테크 서밋의 모든 행사.</p>",
        about_title="소개 · About",
        about="<p>서울 테크 서밋은 2016년 개발자 모임에서 시작된 비영리 행사입니다. 자원봉사자 120명이 함께 만듭니다.</p>"
              "<p>Seoul Tech Summit is a non-profit conference run by 120 volunteers since 2016.</p>",
        faq=(("주차가 가능한가요? (Parking)", "<p>코엑스 주차장을 이용할 수 있으며, 대중교통 이용을 권장합니다.</p>"),
             ("영어 통역이 있나요? (English)", "<p>키노트는 영어 동시통역이 제공됩니다. Keynotes are interpreted into English.</p>"),
             ("환불 규정은? (Refunds)", "<p>행사 7일 전까지 전액 환불됩니다.</p>")),
        speakers=(("김하늘", "AI 연구소장", "네오랩스", "<p>한국어 대규모 언어 모델을 10년째 연구하고 있습니다.</p>"),
                  ("Daniel Cho", "Staff Engineer", "Hanbit Cloud", "<p>Runs platform teams and writes about Kubernetes.</p>"),
                  ("이수민", "공동창업자 겸 CEO", "모두의 데이터", "<p>데이터 스타트업 두 곳을 창업했습니다.</p>")),
        sponsors=(("Neolabs", "platinum"), ("Hanbit Cloud", "gold"), ("Seoul Startup Hub", "partner")),
        venues={"마루180 (MARU180)": ("강남구 역삼로 180", "서울", 37.4979, 127.0381, "엘리베이터와 장애인 화장실이 있습니다."),
                "코엑스 그랜드볼룸 (COEX Grand Ballroom)": ("강남구 영동대로 513", "서울", 37.5118, 127.0592,
                                                        "휠체어 좌석과 수어 통역이 제공됩니다. Step-free access from Samseong station."),
                "성수 S-Factory": ("성동구 연무장15길 11", "서울", 37.5446, 127.0557, "1층 행사장, 계단 없음.")},
        category=("컨퍼런스 · Conference", "conference"),
        sessions={"ai-builders-workshop": ("RAG 파이프라인 설계", "평가 자동화 실습", "비용 최적화와 Q&A"),
                  "main-conference": ("키노트: 한국어 LLM 생태계", "플랫폼 엔지니어링 트랙", "패널: 글로벌로 가는 스타트업"),
                  "startup-night": ("라이트닝 토크", "자유 네트워킹", "클로징")},
        quote=("작년 행사에서 만난 사람들과 지금 회사를 함께 만들고 있어요.", "2025년 참가자"),
    ),
    "wellington-jazz": DemoSite(
        word_mark="WJF", font="old-style",
        social={"instagram_url": "https://www.instagram.com/wellingtonjazz.example", "facebook_url": "https://www.facebook.com/wellingtonjazz.example"},
        index_title="What's on", index_intro="<p>Every concert, club night and free session of the festival.</p>",
        about_title="About the festival",
        about="<p>The Wellington Jazz Festival Trust has presented jazz in Te Whanganui-a-Tara since 2009, "
              "with a free programme for schools and community stages across the city.</p>",
        faq=(("Are the venues accessible?", "<p>Yes. Every venue has step-free access and accessible toilets.</p>"),
             ("Can I bring children?", "<p>Daytime and early-evening shows welcome under-18s with an adult.</p>"),
             ("Is there a bag policy?", "<p>Small bags only; large bags can be left at the cloakroom.</p>")),
        speakers=(("Aroha Ngata", "Artistic Director", "Wellington Jazz Festival", "<p>Bassist and festival director since 2019.</p>"),
                  ("Marcus Reid", "Bandleader", "Capital Big Band", "<p>Leads the 17-piece Capital Big Band.</p>"),
                  ("Lani Fonoti", "Vocalist", "", "<p>Samoan-New Zealand singer, 2024 Jazz Vocalist of the Year.</p>")),
        sponsors=(("Harbour Bank", "platinum"), ("Cuba St Coffee", "silver"), ("Creative Pōneke", "partner")),
        venues={"Michael Fowler Centre": ("111 Wakefield Street", "Wellington", -41.2889, 174.7772, "Lift to every level; hearing loop in the auditorium."),
                "San Fran": ("171 Cuba Street", "Wellington", -41.2948, 174.7747, "Ground-floor entrance; standing venue with some seats on request."),
                "Te Raukura Wharewaka": ("2 Taranaki Street", "Wellington", -41.2876, 174.7808, "Step-free waterfront access.")},
        category=("Concert", "concert"),
        sessions={"opening-night-gala": ("Doors and foyer bar", "First set: Ellington classics", "Second set: new NZ arrangements"),
                  "late-sets-cuba-street": ("Trio one: hard bop", "Trio two: standards", "Trio three: free improvisation"),
                  "harbourside-sunday-session": ("Latin jazz sextet", "Kids' percussion corner", "Jam session")},
        quote=("The best three days of music in the capital.", "The Post"),
    ),
    "berlin-design": DemoSite(
        word_mark="BDW", font="humanist",
        social={"instagram_url": "https://www.instagram.com/berlindesignweek.example", "linkedin_url": "https://www.linkedin.com/company/berlin-design-week-example"},
        index_title="Programme", index_intro="<p>Exhibitions, talks and open studios across Berlin.</p>",
        about_title="About",
        about="<p>Berlin Design Week e.V. is a non-profit association of studios, schools and galleries. "
              "This year's theme is repair.</p>",
        faq=(("Are exhibitions free?", "<p>Most are free with a ticket; a few special shows are marked as paid.</p>"),
             ("Are talks in English?", "<p>Yes, with live captions.</p>"),
             ("How do I get around?", "<p>All venues are close to U-Bahn or S-Bahn stations; we recommend a bike.</p>")),
        speakers=(("Lena Hoffmann", "Curator", "Berlin Design Week", "<p>Curates the opening exhibition.</p>"),
                  ("Tomás Alvarez", "Product Designer", "Fixable Studio", "<p>Designs products that can be opened and repaired.</p>"),
                  ("Dr. Aylin Kaya", "Policy Researcher", "Institut für Kreislaufwirtschaft", "<p>Researches the EU right to repair.</p>")),
        sponsors=(("Kreislauf GmbH", "gold"), ("Stadtwerk Berlin", "silver"), ("UdK Berlin", "partner")),
        venues={"Kraftwerk Berlin": ("Köpenicker Str. 70", "Berlin", 52.5105, 13.4214, "Step-free access through the courtyard entrance."),
                "Haus der Kulturen der Welt": ("John-Foster-Dulles-Allee 10", "Berlin", 52.5186, 13.3650, "Lift, hearing loop, live captions."),
                "Aquarium am Südblock": ("Skalitzer Str. 6", "Berlin", 52.4993, 13.4182, "Ground floor; the studio route includes some stairs.")},
        category=("Exhibition", "exhibition"),
        sessions={"opening-exhibition": ("Doors open", "Curators' walk-through", "DJ and drinks"),
                  "talk-designing-for-repair": ("Welcome", "Panel: designing for repair", "Questions from the audience"),
                  "open-studios-kreuzberg": ("Meeting point and maps", "Guided tour (English)", "Closing at the canal")},
        quote=("A week that changes how you look at the things you own.", "Form magazine"),
    ),
}


def site_dress(*, slug: str, home: HomePage, branding, colours: dict[str, str], event_pages: dict[str, EventPage],
               country: str) -> list[str]:
    """Give a demo site its images, snippets, pages and event blocks. Returns what changed."""
    site = SITES[slug]
    primary, accent = colours["primary_colour"], colours["accent_colour"]
    changes = []
    created = 0

    def image(title, make):
        nonlocal created
        found = Image.objects.filter(title=title).first()
        if found is None:
            created += 1
            found = Image.objects.create(title=title, file=demo_images.as_file(make(), f"{slug}-{len(title)}-{created}.png"))
        return found

    logo = image(f"{site.word_mark} logo", lambda: demo_images.word_mark(text=site.word_mark, primary=primary, accent=accent))
    icon = image(f"{site.word_mark} favicon", lambda: demo_images.favicon(primary=primary, accent=accent))
    wanted = {"logo_id": logo.pk, "favicon_id": icon.pk, "font": site.font, **site.social}
    if any(getattr(branding, k) != v for k, v in wanted.items()):
        for key, value in wanted.items():
            setattr(branding, key, value)
        branding.full_clean()
        branding.save()
        changes.append("brand images and links set")

    speakers = []
    for n, (name, title, org, bio) in enumerate(site.speakers):
        photo = image(f"Portrait of {name}", lambda n=n: demo_images.portrait(seed=f"{slug}{n}", colour=primary))
        speakers.append(Speaker.objects.get_or_create(name=name, defaults={
            "title": title, "organization": org, "bio": bio, "photo": photo, "website": f"https://{slug}.example/speakers/{n + 1}"})[0])
    sponsors = []
    for name, tier in site.sponsors:
        mark = image(f"{name} logo", lambda name=name: demo_images.sponsor_logo(name=name, colour=accent if tier != "platinum" else primary))
        sponsors.append(Sponsor.objects.get_or_create(name=name, defaults={"tier": tier, "logo": mark, "url": f"https://{slug}.example/"})[0])
    venues = {}
    for name, (address, city, lat, lon, access) in site.venues.items():
        venues[name] = Venue.objects.get_or_create(name=name, defaults={
            "address": address, "city": city, "country": country, "latitude": lat, "longitude": lon,
            "accessibility_notes": access})[0]
    category = EventCategory.objects.get_or_create(slug=site.category[1], defaults={"name": site.category[0]})[0]

    if _child_ensure(home, EventIndexPage, slug="events", title=site.index_title, intro=site.index_intro, show_in_menus=True):
        changes.append("events index published")
    about = _child_ensure(home, ContentPage, slug="about", title=site.about_title, show_in_menus=True,
                          body=[{"type": "rich_text", "value": site.about},
                                {"type": "speakers", "value": {"title": "Team", "speakers": [speakers[0].pk]}}])
    faq = _child_ensure(home, ContentPage, slug="faq", title="FAQ", show_in_menus=True,
                        body=[{"type": "faq", "value": {"title": "Frequently asked questions", "items": [
                            {"question": q, "answer": a} for q, a in site.faq]}}])
    changes += ["about page published"] * bool(about) + ["FAQ page published"] * bool(faq)

    dressed = 0
    for n, (event_slug, page) in enumerate(event_pages.items()):
        hero = image(f"{page.title} hero", lambda event_slug=event_slug: demo_images.hero(seed=event_slug, primary=primary, accent=accent))
        if page.content and page.hero_image_id:
            continue
        page.hero_image, page.hero_image_alt = hero, f"Illustration in {home.title}'s colours for {page.title}"
        page.content = _event_blocks(site=site, page=page, event_slug=event_slug, speakers=speakers, sponsors=sponsors,
                                     venue=venues.get(page.event.venue_name) if page.event else None, featured=n)
        page.categories = [category]
        page.save_revision().publish()
        dressed += 1
    if dressed:
        changes.append(f"{dressed} event page{'s' if dressed != 1 else ''} given blocks")
    if not home.featured_events.exists() and event_pages:
        from cms.models import HomeFeaturedEvent

        HomeFeaturedEvent.objects.create(page=home, event_page=list(event_pages.values())[1 if len(event_pages) > 1 else 0])
        changes.append("featured event chosen")
    if created:
        changes.append(f"{created} image{'s' if created != 1 else ''} drawn")
    return changes


def _child_ensure(home, model, *, slug, **fields):
    if model.objects.child_of(home).filter(slug=slug).exists():
        return None
    page = home.add_child(instance=model(slug=slug, **fields))
    page.save_revision().publish()
    return page


def _event_blocks(*, site, page, event_slug, speakers, sponsors, venue, featured) -> list[dict]:
    titles = site.sessions.get(event_slug, ("Welcome", "Main programme", "Closing"))
    event = page.event
    start = event.local_starts_at if event else None
    first = start.time() if start else time(10, 0)
    sessions = []
    for n, title in enumerate(titles):
        hour = (first.hour + n) % 24
        sessions.append({"day": None, "starts": f"{hour:02d}:{first.minute:02d}:00",
                         "ends": f"{(hour + 1) % 24:02d}:{first.minute:02d}:00", "title": title,
                         "room": "Main hall" if n != 1 else "Room B",
                         "speakers": [speakers[n % len(speakers)].pk], "description": ""})
    blocks = [
        {"type": "agenda", "value": {"title": "Agenda", "sessions": sessions}},
        {"type": "speakers", "value": {"title": "Speakers", "speakers": [s.pk for s in speakers]}},
        {"type": "tickets", "value": {"title": "Tickets", "intro": ""}},
    ]
    if site.quote[0]:
        blocks.append({"type": "quote", "value": {"quote": site.quote[0], "attribution": site.quote[1]}})
    if venue is not None:
        blocks.append({"type": "venue", "value": {"venue": venue.pk, "directions": ""}})
    blocks.append({"type": "sponsors", "value": {"title": "Sponsors", "sponsors": [s.pk for s in sponsors]}})
    blocks.append({"type": "faq", "value": {"title": "Questions", "items": [
        {"question": q, "answer": a} for q, a in site.faq[:2]]}})
    return blocks


# What the demo asks attendees when they register (the form builder): everyone, a conditional
# follow-up, and one question for students only. Free-entry events ask nothing (one step).
_DEMO_QUESTIONS = (
    {"label": "Dietary needs", "help_text": "Vegetarian, vegan, halal, allergies … (optional)"},
    {"label": "T-shirt size", "field_type": "dropdown", "choices": "XS\nS\nM\nL\nXL\nXXL"},
    {"label": "Do you need an invitation letter for a visa?", "field_type": "radio", "required": True,
     "choices": "No\nYes"},
    {"label": "Passport number", "required": True, "help_text": "As printed in your passport, for the letter.",
     "show_if": ("Do you need an invitation letter for a visa?", "Yes")},
)


def demo_questions_ensure(*, skip: set[str]) -> list[str]:
    """Registration questions for every event of the current organization whose slug is not in
    ``skip`` and that asks none yet. Idempotent. Returns what was added, for the summary."""
    from operations.events.models import Event
    from operations.ticketing.models import TicketType

    from cms.models import RegistrationForm, RegistrationQuestion

    added = []
    for event in Event.objects.exclude(slug__in=skip):
        form, _ = RegistrationForm.objects.get_or_create(event=event)
        if form.questions.exists():
            continue
        names = {}
        for order, spec in enumerate(_DEMO_QUESTIONS):
            spec = dict(spec)
            controller, value = spec.pop("show_if", (None, ""))
            question = RegistrationQuestion(form=form, sort_order=order, show_if_question=names.get(controller, ""),
                                            show_if_value=value, **spec)
            question.save()
            names[question.label] = question.clean_name
        student = TicketType.objects.filter(event=event, name="Student").first()
        if student is not None:
            RegistrationQuestion(form=form, sort_order=len(_DEMO_QUESTIONS), label="Student ID number", required=True,
                                 help_text="Bring the card to the entrance.", ticket_type_id=student.pk).save()
        added.append(f"questions for {event.slug}")
    return added
