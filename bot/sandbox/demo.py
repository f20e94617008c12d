"""Demo events for the offline sandbox, drawn from the Karaganda youth library's reports.

Video-bridges with Kyiv and Uralsk, an online conference with Mogilev and a
chat-conference with Moscow and Petropavlovsk, in all four languages. Starts are
relative to "now" so the sandbox always has upcoming events to register for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.event_fields import EventDraft, PartnerDraft
from bot.services.organizer import upsert_event
from bot.services.profile import ProfileDraft, save_profile
from bot.services.registration import register
from bot.services.users import SeenUser, ensure_user, set_language
from storage.models import EventKind
from storage.uow import Database, UnitOfWork

HOME_ZONE = "Asia/Almaty"  # Karaganda
DEMO_REMINDERS = [24 * 60, 60, 0]

# A fictional reader holding one of the two seats of the small video-bridge, so that the
# sandbox's two people (reader and organizer) can try the waiting list and a promotion.
DEMO_READER = SeenUser(1003, "Dana", "kk")
DEMO_READER_PROFILE = ProfileDraft(
    full_name="Дана Ахметова",
    birth_date=date(2008, 5, 12),
    country="Қазақстан",
    city="Орал",
    library="Батыс Қазақстан облыстық жасөспірімдер кітапханасы",
)


@dataclass(frozen=True)
class _Demo:
    key: str
    days_ahead: int
    local_start: time
    draft: EventDraft  # starts_at is a placeholder, set from `days_ahead`/`local_start`
    seat_for_demo_reader: bool = False


def _demos() -> list[_Demo]:
    placeholder = datetime(2000, 1, 1, tzinfo=UTC)
    return [
        _Demo(
            key="demo-karaganda-kyiv",
            days_ahead=2,
            local_start=time(15, 0),
            draft=EventDraft(
                kind=EventKind.VIDEO_BRIDGE,
                titles={
                    "kk": "Болашақ моделі next буынының көзімен",
                    "ru": "Модель будущего глазами поколения next",
                    "uk": "Модель майбутнього очима покоління next",
                    "en": "A model of the future through the eyes of generation next",
                },
                descriptions={
                    "kk": "Ж. Бектуров атындағы Қарағанды облыстық жасөспірімдер кітапханасы "
                    "мен Украинаның мемлекеттік жасөспірімдер кітапханасы (Киев) "
                    "оқырмандарының бейнекөпірі. Жиырма жылдан кейін әлем қандай болады? "
                    "Екі елдің құрдастары болашақтың мамандықтары, қалалары мен кітаптары "
                    "туралы әңгімелеседі.",
                    "ru": "Видеомост читателей Карагандинской областной юношеской библиотеки "
                    "им. Ж. Бектурова и Государственной библиотеки Украины для юношества "
                    "(Киев). Каким будет мир через двадцать лет? Ровесники из двух стран "
                    "говорят о профессиях, городах и книгах будущего.",
                    "uk": "Відеоміст читачів Карагандинської обласної юнацької бібліотеки "
                    "ім. Ж. Бектурова та Державної бібліотеки України для юнацтва (Київ). "
                    "Яким буде світ за двадцять років? Однолітки з двох країн говорять про "
                    "професії, міста й книжки майбутнього.",
                    "en": "A video-bridge between readers of the Zh. Bekturov Karaganda Regional "
                    "Youth Library and the State Library of Ukraine for Youth (Kyiv). What "
                    "will the world be like in twenty years? Peers from two countries talk "
                    "about the professions, cities and books of the future.",
                },
                language="ru",
                starts_at=placeholder,
                duration_minutes=90,
                timezone=HOME_ZONE,
                link="https://zoom.us/j/81234567890",
                capacity=30,
                partners=[
                    PartnerDraft("State Library of Ukraine for Youth", "Kyiv", "Europe/Kyiv"),
                ],
                reminder_offsets=list(DEMO_REMINDERS),
            ),
        ),
        _Demo(
            key="demo-karaganda-uralsk",
            days_ahead=4,
            local_start=time(16, 0),
            draft=EventDraft(
                kind=EventKind.VIDEO_BRIDGE,
                titles={
                    "kk": "Әдебиет айнасы: жастар және әдебиет",
                    "ru": "Зеркало литературы: молодёжь и литература",
                    "uk": "Дзеркало літератури: молодь і література",
                    "en": "The mirror of literature: young people and books",
                },
                descriptions={
                    "kk": "Қазақ тіліндегі бейнекөпір: Қарағанды, Орал және Шымкент "
                    "оқырмандары сүйікті кітаптары мен жас ақындардың өлеңдері туралы пікір "
                    "алмасады. Орын аз — алдын ала тіркеліңіз.",
                    "ru": "Видеомост на казахском языке: читатели Караганды, Уральска и "
                    "Шымкента обсуждают любимые книги и стихи молодых поэтов. Мест мало — "
                    "регистрируйтесь заранее.",
                    "uk": "Відеоміст казахською мовою: читачі Караганди, Уральська та Шимкента "
                    "обговорюють улюблені книжки й вірші молодих поетів. Місць мало — "
                    "реєструйтеся заздалегідь.",
                    "en": "A video-bridge in Kazakh: readers from Karaganda, Uralsk and Shymkent "
                    "talk about their favourite books and poems by young poets. Few seats: "
                    "register early.",
                },
                language="kk",
                starts_at=placeholder,
                duration_minutes=60,
                timezone=HOME_ZONE,
                link="https://zoom.us/j/82345678901",
                # Small on purpose: the demo reader holds one seat, the sandbox's reader
                # takes the other and its organizer lands on the waiting list.
                capacity=2,
                partners=[
                    PartnerDraft("West Kazakhstan Regional Youth Library", "Uralsk", "Asia/Oral"),
                    PartnerDraft("South Kazakhstan Regional Youth Library", "Shymkent",
                                 "Asia/Almaty"),
                ],
                reminder_offsets=list(DEMO_REMINDERS),
            ),
            seat_for_demo_reader=True,
        ),
        _Demo(
            key="demo-karaganda-mogilev",
            days_ahead=7,
            local_start=time(17, 0),
            draft=EventDraft(
                kind=EventKind.CONFERENCE,
                titles={
                    "kk": "Интернет желісіндегі кітапханалар: сәнге құрмет пе, әлде "
                    "оқырманға жақындау ма?",
                    "ru": "Библиотеки в сети: дань моде или шаг навстречу читателю?",
                    "uk": "Бібліотеки в мережі: данина моді чи крок назустріч читачеві?",
                    "en": "Libraries online: a tribute to fashion or a step towards the reader?",
                },
                descriptions={
                    "kk": "Могилев қаласының (Беларусь) орталықтандырылған кітапханалар "
                    "жүйесімен онлайн-конференция: кітапханалардың әлеуметтік желілердегі "
                    "жұмысы және оның оқырмандарға не беретіні туралы шығармашылық "
                    "шеберхана. Сұрақтарды чатта қоюға болады.",
                    "ru": "Онлайн-конференция с Централизованной библиотечной системой Могилёва "
                    "(Беларусь): творческая мастерская о том, как библиотеки работают в "
                    "социальных сетях и что это даёт читателям. Вопросы можно задавать в чате.",
                    "uk": "Онлайн-конференція з Централізованою бібліотечною системою Могильова "
                    "(Білорусь): творча майстерня про те, як бібліотеки працюють у соціальних "
                    "мережах і що це дає читачам. Питання можна ставити в чаті.",
                    "en": "An online conference with the Mogilev Centralized Library System "
                    "(Belarus): a creative workshop on how libraries work in social networks "
                    "and what readers gain from it. Questions are welcome in the chat.",
                },
                language="ru",
                starts_at=placeholder,
                duration_minutes=90,
                timezone=HOME_ZONE,
                link="https://zoom.us/j/83456789012",
                capacity=None,
                partners=[
                    PartnerDraft("Mogilev Centralized Library System", "Mogilev", "Europe/Minsk"),
                ],
                reminder_offsets=list(DEMO_REMINDERS),
            ),
        ),
        _Demo(
            key="demo-moscow-petropavlovsk-chat",
            days_ahead=10,
            local_start=time(14, 0),
            draft=EventDraft(
                kind=EventKind.CHAT_CONFERENCE,
                titles={
                    "kk": "Біз — сен және мен: төзімділік жастардың дүниетанымы ретінде",
                    "ru": "Мы — это ты и я: толерантность как мировоззрение молодёжи",
                    "uk": "Ми — це ти і я: толерантність як світогляд молоді",
                    "en": "We are you and me: tolerance as a young people's outlook",
                },
                descriptions={
                    "kk": "Қазақстан мен Ресейдің жасөспірімдер кітапханалары оқырмандарының "
                    "чат-конференциясы: бір-бірімізді қалай түсінуге болатыны туралы бір "
                    "сағаттай тікелей әңгіме. Мәскеудің № 1 орталықтандырылған кітапханалар "
                    "жүйесі және Петропавл кітапханасы қатысады.",
                    "ru": "Чат-конференция читателей юношеских библиотек Казахстана и России: "
                    "около часа живого разговора о том, как понимать друг друга. Участвуют "
                    "ЦБС № 1 Москвы и библиотека Петропавловска.",
                    "uk": "Чат-конференція читачів юнацьких бібліотек Казахстану та Росії: "
                    "близько години живої розмови про те, як розуміти одне одного. Беруть "
                    "участь ЦБС № 1 Москви та бібліотека Петропавловська.",
                    "en": "A chat-conference of readers of youth libraries in Kazakhstan and "
                    "Russia: about an hour of live talk on understanding each other. With "
                    "Moscow's Centralized Library System No. 1 and a library in Petropavlovsk.",
                },
                language="ru",
                starts_at=placeholder,
                duration_minutes=60,
                timezone=HOME_ZONE,
                link="https://zoom.us/j/84567890123",
                capacity=50,
                partners=[
                    PartnerDraft("Centralized Library System No. 1", "Moscow", "Europe/Moscow"),
                    PartnerDraft("North Kazakhstan Regional Library", "Petropavlovsk",
                                 "Asia/Almaty"),
                ],
                reminder_offsets=list(DEMO_REMINDERS),
            ),
        ),
    ]


DEMO_KEYS: tuple[str, ...] = tuple(demo.key for demo in _demos())


def seed_demo_events(database: Database, now: datetime) -> int:
    """Create the demo events, or move those already over forward; returns how many changed.

    Idempotent by key: an upcoming demo event keeps its time (and its registrations,
    reminders and any edits an organizer made in the sandbox).
    """
    changed = 0
    with database.uow() as uow:
        for demo in _demos():
            existing = uow.events.by_key(demo.key)
            if existing is not None and (existing.cancelled_at or existing.starts_at > now):
                # Cancelled by an organizer in the sandbox, or still ahead: theirs to keep.
                continue
            draft = replace(demo.draft, key=demo.key, starts_at=_start(demo, now))
            event, outcome = upsert_event(uow, draft, now)
            changed += outcome != "unchanged"
            if demo.seat_for_demo_reader:
                _seat_demo_reader(uow, event.id, now)
        uow.commit()
    return changed


def _seat_demo_reader(uow: UnitOfWork, event_id: int, now: datetime) -> None:
    user, _created = ensure_user(uow, DEMO_READER, now)
    if user.language is None:
        set_language(uow, user, "kk")
    if not user.has_profile:
        save_profile(uow, user.id, DEMO_READER_PROFILE, now)
    uow.flush()
    register(uow, event_id, user.id, now)


def _start(demo: _Demo, now: datetime) -> datetime:
    zone = ZoneInfo(HOME_ZONE)
    day = now.astimezone(zone).date() + timedelta(days=demo.days_ahead)
    return datetime.combine(day, demo.local_start, tzinfo=zone).astimezone(UTC)
