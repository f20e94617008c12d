"""A reader's profile: validation of each answer and saving it with consent.

Readers are often minors, so a profile is written only together with their
consent, in one unit of work, after every answer has been checked.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime

from bot.core.i18n import N_, Nn_, Plural, Translator
from bot.services.cities import home_zone
from bot.services.numbers import date_problem, parse_whole_number
from bot.services.registration import available_event
from storage.models import User
from storage.uow import Database, UnitOfWork

MIN_LENGTH = 2
MAX_LENGTH = 200
MIN_AGE = 5
MAX_AGE = 100
# (pattern, what its groups are): 25.04.2010 or 2010-04-25.
DATE_FORMATS = ((r"(\d{1,2})\.(\d{1,2})\.(\d{4})", "dmy"), (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"))


class ProfileError(ValueError):
    """A wrong answer; `msgid` is an English message marked for translation.

    `msgid` is an `N_` message, or an `Nn_` pair when the text counts something:
    then the parameter it names picks the plural form.
    """

    def __init__(self, msgid: str | Plural, **params: object) -> None:
        self.msgid = msgid
        self.params = params
        # English, so that logs and tracebacks read as text rather than a msgid.
        super().__init__(self.render(Translator("en", gettext.NullTranslations())))

    def render(self, t: Translator) -> str:
        if isinstance(self.msgid, Plural):
            return self.msgid.translate(t, self.params)
        return t.gettext(self.msgid).format(**self.params)


@dataclass(frozen=True)
class ProfileDraft:
    full_name: str
    birth_date: date
    country: str
    city: str
    library: str


@dataclass(frozen=True)
class ProfileView:
    full_name: str
    birth_date: date
    country: str
    city: str
    library: str
    consent_at: datetime


def _text(text: str | None, empty: str, too_short: Plural, too_long: Plural) -> str:
    # Inner runs of spaces and line breaks are noise in a name, not content.
    value = " ".join((text or "").split())
    if not value:
        raise ProfileError(empty)
    if len(value) < MIN_LENGTH:
        raise ProfileError(too_short, min=MIN_LENGTH)
    if len(value) > MAX_LENGTH:
        raise ProfileError(too_long, max=MAX_LENGTH, length=len(value))
    return value


def parse_full_name(text: str | None) -> str:
    """The name as it will be printed on a certificate: it must have letters in it, so that
    "--", "12", "🙂🙂" or two zero-width spaces are refused rather than printed blank."""
    name = _text(
        text,
        N_("Please write your full name."),
        Nn_("The name is too short: at least {min} character, please.",
            "The name is too short: at least {min} characters, please.",
            count="min"),
        Nn_("The name is too long ({length} character); at most {max}, please.",
            "The name is too long ({length} characters); at most {max}, please.",
            count="length"),
    )
    if not any(unicodedata.category(char).startswith("L") for char in name):
        raise ProfileError(N_("A name is written in letters: please write your full name, "
                              "for example Aigerim Serikova."))
    return name


def parse_place(text: str | None) -> str:
    """Country, city, library or school: the same rules for each."""
    return _text(
        text,
        N_("Please write an answer."),
        Nn_("This is too short: at least {min} character, please.",
            "This is too short: at least {min} characters, please.",
            count="min"),
        Nn_("This is too long ({length} character); at most {max}, please.",
            "This is too long ({length} characters); at most {max}, please.",
            count="length"),
    )


def parse_birth_date(text: str | None, today: date) -> date:
    value = (text or "").strip()
    if not value:
        raise ProfileError(N_("Please write your date of birth, for example 25.04.2010."))
    born = _parse_date(value)
    if born is None:
        raise ProfileError(
            N_("I could not read this date. Please write it as DD.MM.YYYY, for example 25.04.2010.")
        )
    if born > today:
        raise ProfileError(N_("This date is in the future. Please check your date of birth."))
    age = age_on(born, today)
    if age < MIN_AGE:
        raise ProfileError(
            Nn_("This date makes you younger than {min} year. Please check the year.",
                "This date makes you younger than {min} years. Please check the year.",
                count="min"),
            min=MIN_AGE,
        )
    if age > MAX_AGE:
        raise ProfileError(
            Nn_("This date makes you older than {max} year. Please check the year.",
                "This date makes you older than {max} years. Please check the year.",
                count="max"),
            max=MAX_AGE,
        )
    return born


def _parse_date(value: str) -> date | None:
    """DD.MM.YYYY or YYYY-MM-DD, in digits of any script; None when the form is not one of
    these; `ProfileError` naming the problem when the form is right but the day does not
    exist (31.02.2009) or the year is out of range."""
    for pattern, order in DATE_FORMATS:
        match = re.fullmatch(pattern, value)
        if match is None:
            continue
        numbers = dict(zip(order, (_digits(part) for part in match.groups()), strict=True))
        # The age checks below name a year like 0001 or 9999 better than a year range would.
        problem = date_problem(numbers["y"], numbers["m"], numbers["d"], value,
                               years=(MINYEAR, MAXYEAR))
        if problem is not None:
            raise ProfileError(problem[0], **problem[1])
        return date(numbers["y"], numbers["m"], numbers["d"])
    return None


def _digits(text: str) -> int:
    """A run of decimal digits of any script (what `\\d` matches) as a number."""
    number = parse_whole_number(text)
    if number is None:
        raise ValueError(f"not a run of decimal digits: {text!r}")
    return number


def age_on(born: date, day: date) -> int:
    """Full years on `day` (contests check age on a given date)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def profile_of(uow: UnitOfWork, user_id: int) -> ProfileView | None:
    user = uow.users.get(user_id)
    if user is None or not user.has_profile:
        return None
    # A profile is stored whole (`save_profile`): with a name there is a birth date.
    if user.full_name is None or user.birth_date is None or user.consent_at is None:
        return None
    return ProfileView(
        full_name=user.full_name,
        birth_date=user.birth_date,
        country=user.country or "",
        city=user.city or "",
        library=user.library or "",
        consent_at=user.consent_at,
    )


def has_profile(uow: UnitOfWork, user_id: int) -> bool:
    user = uow.users.get(user_id)
    return user is not None and user.has_profile


def questions_needed(uow: UnitOfWork, user_id: int, event_id: int, now: datetime) -> bool:
    """Whether a reader pressing Register must answer the profile questions first.

    A reader without a profile is asked only for an event still open to them:
    otherwise `EventUnavailable` is raised (the button is out of date).
    """
    if has_profile(uow, user_id):
        return False
    available_event(uow, event_id, now)
    return True


def save_reader_profile(db: Database, user_id: int, draft: ProfileDraft, now: datetime) -> User:
    """`save_profile` in a unit of work of its own (the reader's consent)."""
    with db.uow() as uow:
        user = save_profile(uow, user_id, draft, now)
        uow.commit()
    return user


def save_profile(uow: UnitOfWork, user_id: int, draft: ProfileDraft, now: datetime) -> User:
    """Store every answer and the moment consent was given; the caller commits.

    Where the city (or else the country) tells the reader's time zone, times are
    shown to them in it from then on; otherwise their zone stays as it was.
    """
    user = uow.users.get(user_id)
    if user is None:
        raise LookupError(f"no user {user_id}")
    user.full_name = draft.full_name
    user.birth_date = draft.birth_date
    user.country = draft.country
    user.city = draft.city
    user.library = draft.library
    user.consent_at = now
    user.timezone = home_zone(draft.city, draft.country) or user.timezone
    return user
