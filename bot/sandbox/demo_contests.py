"""Demo contests for the offline sandbox, drawn from the Karaganda youth library's reports.

The international essay contest "Мы кочуем навстречу себе, узнаваясь в другом"
(Karaganda region and Ukraine) and the photo contest "Субъектив: мир глазами
молодых" (Russia, Ukraine, Kazakhstan), in all four languages. Their windows are
relative to "now" (opened yesterday, closing in about three weeks, Karaganda time)
so that a newcomer can always enter one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.contest_fields import ContestDraft
from bot.services.contest_groups import CriterionDraft, SideDraft
from bot.services.contests import upsert_contest
from storage.contest_models import Contest, ContestKind
from storage.uow import Database, UnitOfWork

HOME_ZONE = "Asia/Almaty"  # Karaganda
ESSAY_KEY = "demo-essay-nomads"
PHOTO_KEY = "demo-photo-subjective"
DEMO_CONTEST_KEYS: tuple[str, ...] = (ESSAY_KEY, PHOTO_KEY)
# Days from today (Karaganda) to the closing day. The essay closes first so that it
# heads /contests (soonest closing first).
_CLOSING_DAYS = {ESSAY_KEY: 21, PHOTO_KEY: 23}
_CLOSING_TIME = time(23, 59)
_JURY_DAYS = 10
_JURY_TIME = time(18, 0)
_JURY_REMINDERS = [24 * 60]

_KARAGANDA_LIBRARY = {
    "kk": "Ж. Бектуров атындағы Қарағанды облыстық жасөспірімдер кітапханасы",
    "ru": "Карагандинская областная юношеская библиотека им. Ж. Бектурова",
    "uk": "Карагандинська обласна юнацька бібліотека ім. Ж. Бектурова",
    "en": "Zh. Bekturov Karaganda Regional Youth Library",
}


def _kazakhstan() -> SideDraft:
    return SideDraft(
        key="kz",
        names={"kk": "Қазақстан", "ru": "Казахстан", "uk": "Казахстан", "en": "Kazakhstan"},
        countries=["Kazakhstan", "Казахстан", "Қазақстан", "Qazaqstan"],
    )


def _ukraine() -> SideDraft:
    return SideDraft(
        key="ua",
        names={"kk": "Украина", "ru": "Украина", "uk": "Україна", "en": "Ukraine"},
        countries=["Ukraine", "Украина", "Україна", "Ukraina"],
    )


def _russia() -> SideDraft:
    return SideDraft(
        key="ru",
        names={"kk": "Ресей", "ru": "Россия", "uk": "Росія", "en": "Russia"},
        countries=["Russia", "Россия", "Ресей", "Росія"],
    )


def _relevance(weight: float) -> CriterionDraft:
    return CriterionDraft(
        key="relevance",
        names={"kk": "Тақырыпқа сәйкестік", "ru": "Соответствие теме",
               "uk": "Відповідність темі", "en": "Relevance to the theme"},
        weight=weight,
    )


def essay_draft(opens_at: datetime, closes_at: datetime, closing_day: date,
           jury_deadline: datetime) -> ContestDraft:
    return ContestDraft(
        key=ESSAY_KEY,
        kind=ContestKind.ESSAY,
        language="ru",
        titles={
            "kk": "Өзгеден өзімізді танып, өзімізге қарай көшеміз",
            "ru": "Мы кочуем навстречу себе, узнаваясь в другом",
            "uk": "Ми кочуємо назустріч собі, впізнаючи себе в іншому",
            "en": "We roam towards ourselves, recognising ourselves in the other",
        },
        themes={
            "kk": "Басқа елдің құрдастарымен танысқанда өзіміз туралы не білеміз",
            "ru": "Что мы узнаём о себе, знакомясь с ровесниками из другой страны",
            "uk": "Що ми дізнаємося про себе, знайомлячись з однолітками з іншої країни",
            "en": "What we learn about ourselves by getting to know peers from another country",
        },
        rules={
            "kk": "Орыс, қазақ немесе украин тіліндегі эссе, көлемі 5 беттен аспайды (чатқа "
            "мәтін ретінде жіберсеңіз — 4000 таңбаға дейін). Қарағанды облысының 15–19 "
            "жастағы оқырмандары мен олардың Украинадағы құрдастары қатыса алады. Әр "
            "қатысушыдан бір жұмыс қабылданады. Қазылар алқасы түпнұсқалықты, тілді және "
            "тақырыпқа сәйкестікті бағалайды. Әр тараптың 5 үздік жұмысы жинаққа енеді, ал "
            "байқау жұмыстары қатысушы кітапханалардың сайттарында жарияланады.",
            "ru": "Эссе на русском, казахском или украинском языке объёмом до 5 страниц (если "
            "отправляете текстом в чат — до 4000 знаков). Участвуют читатели 15–19 лет из "
            "Карагандинской области и их ровесники из Украины. От каждого участника "
            "принимается одна работа. Жюри оценивает оригинальность, язык и соответствие "
            "теме. По 5 лучших работ с каждой стороны войдут в сборник, а конкурсные работы "
            "публикуются на сайтах библиотек-участниц.",
            "uk": "Есе російською, казахською або українською мовою обсягом до 5 сторінок "
            "(якщо надсилаєте текстом у чат — до 4000 знаків). Беруть участь читачі віком "
            "15–19 років з Карагандинської області та їхні однолітки з України. Від кожного "
            "учасника приймається одна робота. Журі оцінює оригінальність, мову та "
            "відповідність темі. По 5 найкращих робіт від кожної сторони увійдуть до "
            "збірки, а конкурсні роботи публікуються на сайтах бібліотек-учасниць.",
            "en": "An essay in Russian, Kazakh or Ukrainian, up to 5 pages (up to 4,000 "
            "characters if you send it as text in the chat). Open to readers aged 15–19 from "
            "the Karaganda region and their peers from Ukraine. One work per participant. "
            "The jury judges originality, language and relevance to the theme. The 5 best "
            "works from each side will be published in a collection, and the entries appear "
            "on the partner libraries' sites.",
        },
        organizer_names={
            "kk": "Ж. Бектуров атындағы Қарағанды облыстық жасөспірімдер кітапханасы және "
            "Украинаның мемлекеттік жасөспірімдер кітапханасы",
            "ru": "Карагандинская областная юношеская библиотека им. Ж. Бектурова и "
            "Государственная библиотека Украины для юношества",
            "uk": "Карагандинська обласна юнацька бібліотека ім. Ж. Бектурова та Державна "
            "бібліотека України для юнацтва",
            "en": "Zh. Bekturov Karaganda Regional Youth Library and the State Library of "
            "Ukraine for Youth",
        },
        timezone=HOME_ZONE,
        opens_at=opens_at,
        closes_at=closes_at,
        age_min=15,
        age_max=19,
        age_reference_date=closing_day,
        sides=[_kazakhstan(), _ukraine()],
        quota_per_side=5,
        criteria=[
            CriterionDraft(
                key="originality",
                names={"kk": "Түпнұсқалық", "ru": "Оригинальность", "uk": "Оригінальність",
                       "en": "Originality"},
                weight=0.4,
            ),
            CriterionDraft(
                key="language",
                names={"kk": "Тіл", "ru": "Язык", "uk": "Мова", "en": "Language"},
                weight=0.3,
            ),
            _relevance(0.3),
        ],
        scale_min=1,
        scale_max=10,
        prizes={
            "1": _certificate("100 000", "100,000"),
            "2": _certificate("60 000", "60,000"),
            "3": _certificate("35 000", "35,000"),
        },
        jury_deadline=jury_deadline,
        jury_reminder_offsets=list(_JURY_REMINDERS),
    )


def _certificate(amount: str, english_amount: str) -> dict[str, str]:
    return {
        "kk": f"{amount} теңгелік сертификат",
        "ru": f"Сертификат на {amount} тенге",
        "uk": f"Сертифікат на {amount} тенге",
        "en": f"A certificate for {english_amount} tenge",
    }


def _photo(opens_at: datetime, closes_at: datetime, closing_day: date,
           jury_deadline: datetime) -> ContestDraft:
    return ContestDraft(
        key=PHOTO_KEY,
        kind=ContestKind.PHOTO,
        language="ru",
        titles={
            "kk": "Субъектив: әлем жастардың көзімен",
            "ru": "Субъектив: мир глазами молодых",
            "uk": "Суб'єктив: світ очима молодих",
            "en": "Subjective: the world through young eyes",
        },
        themes={
            "kk": "Айналамыздағы әлем — жастар оны қалай көреді",
            "ru": "Мир вокруг нас таким, каким его видят молодые",
            "uk": "Світ навколо нас таким, яким його бачать молоді",
            "en": "The world around us as young people see it",
        },
        rules={
            "kk": "Әр қатысушыдан бір фотосурет: оны фотосурет ретінде немесе JPEG/PNG файлы "
            "ретінде жіберіңіз (файл толық сапасын сақтайды), атауымен және қаласаңыз, "
            "түсініктемесімен. Ресейдің, Украинаның және Қазақстанның 15–19 жастағы "
            "оқырмандары қатысады. Қазылар алқасы идеяны, композицияны және тақырыпқа "
            "сәйкестікті бағалайды. Үздік фотосуреттер «Прикосновение» мультимедиялық "
            "вернисажының арнайы шығарылымына енеді.",
            "ru": "Одна фотография от участника: отправьте её как фото или файлом JPEG/PNG "
            "(файл сохраняет полное качество), с названием и, по желанию, подписью. "
            "Участвуют читатели 15–19 лет из России, Украины и Казахстана. Жюри оценивает "
            "замысел, композицию и соответствие теме. Лучшие фотографии войдут в "
            "специальный выпуск мультимедийного вернисажа «Прикосновение».",
            "uk": "Одна фотографія від учасника: надішліть її як фото або файлом JPEG/PNG "
            "(файл зберігає повну якість), з назвою і, за бажанням, підписом. Беруть участь "
            "читачі віком 15–19 років з Росії, України та Казахстану. Журі оцінює задум, "
            "композицію та відповідність темі. Найкращі фотографії увійдуть до спеціального "
            "випуску мультимедійного вернісажу «Прикосновение» («Дотик»).",
            "en": "One photo per participant: send it as a photo or as a JPEG/PNG file (a file "
            "keeps full quality), with a title and, if you like, a caption. Open to readers "
            "aged 15–19 from Russia, Ukraine and Kazakhstan. The jury judges the idea, the "
            "composition and relevance to the theme. The best photos will appear in a "
            "special issue of the multimedia vernissage «Prikosnovenie» («Touch»).",
        },
        organizer_names=dict(_KARAGANDA_LIBRARY),
        timezone=HOME_ZONE,
        opens_at=opens_at,
        closes_at=closes_at,
        age_min=15,
        age_max=19,
        age_reference_date=closing_day,
        sides=[_russia(), _ukraine(), _kazakhstan()],
        quota_per_side=3,
        criteria=[
            CriterionDraft(
                key="idea",
                names={"kk": "Идея", "ru": "Замысел", "uk": "Задум", "en": "Idea"},
                weight=0.4,
            ),
            CriterionDraft(
                key="composition",
                names={"kk": "Композиция", "ru": "Композиция", "uk": "Композиція",
                       "en": "Composition"},
                weight=0.3,
            ),
            _relevance(0.3),
        ],
        scale_min=1,
        scale_max=10,
        prizes={
            "1": {"kk": "I дәрежелі диплом", "ru": "Диплом I степени",
                  "uk": "Диплом I ступеня", "en": "First-degree diploma"},
            "2": {"kk": "II дәрежелі диплом", "ru": "Диплом II степени",
                  "uk": "Диплом II ступеня", "en": "Second-degree diploma"},
            "3": {"kk": "III дәрежелі диплом", "ru": "Диплом III степени",
                  "uk": "Диплом III ступеня", "en": "Third-degree diploma"},
        },
        jury_deadline=jury_deadline,
        jury_reminder_offsets=list(_JURY_REMINDERS),
    )


def demo_contest_drafts(now: datetime) -> list[ContestDraft]:
    """The demo contests as they would be seeded at `now`."""
    zone = ZoneInfo(HOME_ZONE)
    today = now.astimezone(zone).date()
    opens_at = _moment(today - timedelta(days=1), time(0, 0))
    drafts = []
    for key, build in ((ESSAY_KEY, essay_draft), (PHOTO_KEY, _photo)):
        # Ages are counted on the closing day, as in the source contests (15-19).
        closing_day = today + timedelta(days=_CLOSING_DAYS[key])
        drafts.append(build(
            opens_at,
            _moment(closing_day, _CLOSING_TIME),
            closing_day,
            _moment(closing_day + timedelta(days=_JURY_DAYS), _JURY_TIME),
        ))
    return drafts


def seed_demo_contests(database: Database, now: datetime) -> int:
    """Create the demo contests, or reopen those over with no entries; returns how many changed.

    Idempotent by key: a contest still open (or one with entries, whose jury and
    results depend on it) keeps its window and any edits made in the sandbox.
    """
    changed = 0
    with database.uow() as uow:
        for draft in demo_contest_drafts(now):
            if not draft.key:  # every demo contest has one: it makes seeding idempotent
                raise ValueError("a demo contest needs a key")
            existing = uow.contests.by_key(draft.key)
            if existing is not None and not _movable(uow, existing, now):
                continue
            reopened = existing is not None and _reopen(existing)
            _contest, outcome = upsert_contest(uow, draft, now)
            changed += outcome != "unchanged" or reopened
        uow.commit()
    return changed


def _movable(uow: UnitOfWork, contest: Contest, now: datetime) -> bool:
    over = (contest.closed_at is not None or contest.frozen_at is not None
            or contest.closes_at <= now)
    return over and not uow.contests.has_entries(contest.id)


def _reopen(contest: Contest) -> bool:
    """Undo closing, freezing and publishing: with no entries, nothing depends on them."""
    marks = ("closed_at", "frozen_at", "published_at")
    had_any = any(getattr(contest, mark) is not None for mark in marks)
    for mark in marks:
        setattr(contest, mark, None)
    return had_any


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(HOME_ZONE)).astimezone(UTC)
