"""Arrange helpers for contests: rows written straight through the unit of work."""

from __future__ import annotations

from datetime import date, timedelta

from storage.contest_models import Contest, ContestKind
from storage.models import User
from storage.uow import Database
from tests.factories import NOW

KAZAKHSTAN_SIDE = {
    "key": "kz",
    "names": {"en": "Kazakhstan", "ru": "Казахстан", "kk": "Қазақстан", "uk": "Казахстан"},
    "countries": ["Kazakhstan", "Казахстан", "Қазақстан"],
}
UKRAINE_SIDE = {
    "key": "ua",
    "names": {"en": "Ukraine", "ru": "Украина", "kk": "Украина", "uk": "Україна"},
    "countries": ["Ukraine", "Украина", "Україна"],
}
CRITERIA = [
    {"key": "originality", "names": {"en": "Originality", "ru": "Оригинальность",
                                     "kk": "Түпнұсқалық", "uk": "Оригінальність"}, "weight": 0.4},
    {"key": "language", "names": {"en": "Language", "ru": "Язык", "kk": "Тіл", "uk": "Мова"},
     "weight": 0.3},
    {"key": "relevance", "names": {"en": "Relevance", "ru": "Соответствие теме",
                                   "kk": "Тақырыпқа сәйкестік", "uk": "Відповідність темі"},
     "weight": 0.3},
]


def make_contest(database: Database, **overrides) -> Contest:
    """An essay contest open now (Karaganda region and Ukraine, 15-19 on the closing day)."""
    closes_at = overrides.pop("closes_at", NOW + timedelta(days=10))
    fields = {
        "key": None,
        "kind": ContestKind.ESSAY,
        "language": "ru",
        "titles": {"ru": "Мы кочуем навстречу себе", "en": "We roam towards ourselves"},
        "rules": {"ru": "Эссе до 5 страниц.", "en": "An essay of up to 5 pages."},
        "themes": {"ru": "Узнаваясь в другом", "en": "Recognising ourselves in the other"},
        "organizer_names": {"ru": "Карагандинская областная юношеская библиотека",
                            "en": "Karaganda Regional Youth Library"},
        "timezone": "Asia/Almaty",
        "opens_at": NOW - timedelta(days=5),
        "closes_at": closes_at,
        "age_min": 15,
        "age_max": 19,
        "age_reference_date": closes_at.date(),
        "countries": [],
        "sides": [KAZAKHSTAN_SIDE, UKRAINE_SIDE],
        "quota_per_side": 5,
        "entries_per_participant": 1,
        "criteria": CRITERIA,
        "scale_min": 1,
        "scale_max": 10,
        "tie_policy": "shared",
        "aggregate": "mean",
        "normalize": False,
        "min_jurors": 1,
        "show_other_scores": False,
        "prizes": {"1": {"en": "100,000 tenge certificate"}, "2": {"en": "60,000 tenge"},
                   "3": {"en": "35,000 tenge"}},
        "jury_deadline": closes_at + timedelta(days=7),
        "jury_reminder_offsets": [24 * 60],
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    with database.uow() as uow:
        contest = Contest(**fields)
        uow.session.add(contest)
        uow.commit()
    return contest


def make_reader(
    database: Database,
    user_id: int,
    *,
    language: str = "en",
    full_name: str = "Aigerim Serikova",
    birth_date: date = date(2009, 3, 14),
    country: str = "Kazakhstan",
    city: str = "Karaganda",
    library: str = "Karaganda Regional Youth Library",
    first_name: str = "Aru",
) -> User:
    """A reader with a complete profile and consent given."""
    with database.uow() as uow:
        user = uow.users.get(user_id) or User(id=user_id, created_at=NOW)
        user.first_name = first_name
        user.language = language
        user.full_name = full_name
        user.birth_date = birth_date
        user.country = country
        user.city = city
        user.library = library
        user.consent_at = NOW
        uow.users.add(user)
        uow.commit()
    return user
