"""What a reader reads when an outbox row is delivered, in their own language.

Texts are rendered at send time, not when the row is queued: the time left, the
event's current title and time, and whether the join link may be shown yet all
depend on the moment the message actually goes out. Contest rows (results,
winners lists, jury reminders) have their texts in `bot.messages.contest_notices`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.i18n import N_, Translator
from bot.core.settings import Settings
from bot.services.attendance import can_join
from bot.services.catalog import localized
from storage.models import Event, Notification, NotificationKind, User


def render(
    t: Translator,
    notification: Notification,
    event: Event,
    user: User,
    settings: Settings,
    now: datetime,
) -> str:
    kind = notification.kind
    if kind == NotificationKind.REMINDER:
        return _reminder(t, event, user, settings, now)
    if kind == NotificationKind.EVENT_CHANGED:
        return _changed(t, notification.payload or {}, event, user, settings, now)
    if kind == NotificationKind.EVENT_CANCELLED:
        return _cancelled(t, event, user, settings)
    if kind == NotificationKind.PROMOTED:
        return _promoted(t, event, user, settings, now)
    raise ValueError(f"no text for notifications of kind {kind!r}")


def open_event_label(t: Translator) -> str:
    # Translators: button under a reminder or notice; opens the event's card.
    return t.gettext("Open the event")


def join_label(t: Translator) -> str:
    # Translators: button under a reminder and in /my; pressing it gives the join link.
    return t.gettext("Join")


def join_offered(event: Event, settings: Settings, now: datetime) -> bool:
    """Whether the message carries Join (`join_data`): the link is in the press, not the text,
    so that who came is seen."""
    return can_join(event, now, settings.join_link_lead)


def join_data(event_id: int) -> str:
    return f"att:join:{event_id}"


# Translators: under the address of an event in the library (reminders, /my).
CHECKIN_HINT = N_("At the door, scan the check-in QR code with your phone's camera.")


def reader_zone(user: User, settings: Settings) -> ZoneInfo:
    if own_zone_known(user):
        return ZoneInfo(str(user.timezone))
    return settings.timezone


def own_zone_known(user: User) -> bool:
    """Whether `reader_zone` is the reader's own, from the city in their profile: only then
    may a time in it say "your time"; otherwise it names the city whose clock it is."""
    if not user.timezone:
        return False
    try:
        ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def reader_moment(t: Translator, moment: datetime, user: User, settings: Settings) -> str:
    """`moment` in the reader's zone, saying whose time it is: "…, 15:00 (your time)"."""
    return t.moment_in(moment, reader_zone(user, settings), yours=own_zone_known(user))


def event_title(t: Translator, event: Event) -> str:
    return localized(event.titles or {}, t.language, event.language)


def _reminder(t: Translator, event: Event, user: User, settings: Settings, now: datetime) -> str:
    _ = t.gettext
    title = event_title(t, event)
    lines = ["⏰ " + _time_left(t, title, _minutes_left(event, now))]
    lines.append(_("Start: {time}").format(time=reader_moment(t, event.starts_at, user, settings)))
    lines += _join_line(t, event, settings, now)
    return "\n".join(lines)


def _time_left(t: Translator, title: str, minutes: int) -> str:
    """The first line of a reminder, from the time actually left, so that a reminder
    sent late after downtime does not promise a wrong figure."""
    if minutes <= 0:
        return t.gettext("«{title}» is starting now.").format(title=title)
    if minutes < 60 or 60 < minutes < 120:
        return t.ngettext(
            "«{title}» starts in {n} minute.", "«{title}» starts in {n} minutes.", minutes
        ).format(title=title, n=minutes)
    if minutes < 48 * 60:
        hours = (minutes + 30) // 60
        return t.ngettext(
            "«{title}» starts in {n} hour.", "«{title}» starts in {n} hours.", hours
        ).format(title=title, n=hours)
    days = (minutes + 12 * 60) // (24 * 60)
    return t.ngettext("«{title}» starts in {n} day.", "«{title}» starts in {n} days.", days).format(
        title=title, n=days
    )


def _minutes_left(event: Event, now: datetime) -> int:
    return round((event.starts_at - now).total_seconds() / 60)


def _changed(
    t: Translator, payload: dict, event: Event, user: User, settings: Settings, now: datetime
) -> str:
    _ = t.gettext
    zone = reader_zone(user, settings)
    changes = payload.get("changes") or []
    new_time = reader_moment(t, event.starts_at, user, settings)
    lines = ["✏️ " + _("«{title}» has changed.").format(title=event_title(t, event))]
    old = _moment(payload.get("old_starts_at"))
    if "starts_at" in changes and old is not None:
        lines.append(
            _("New time: {time} (was {old_time}).").format(
                time=new_time, old_time=t.datetime(old, zone)
            )
        )
    elif "starts_at" in changes:
        lines.append(_("New time: {time}.").format(time=new_time))
    else:
        lines.append(_("Start: {time}").format(time=new_time))
    if "link" in changes:
        lines.append(_("The join link has changed."))
        lines += _join_line(t, event, settings, now)
    return "\n".join(lines)


def _cancelled(t: Translator, event: Event, user: User, settings: Settings) -> str:
    when = t.datetime(event.starts_at, reader_zone(user, settings))
    # Translators: {time} is when the event would have started.
    text = t.gettext("«{title}» ({time}) has been cancelled. We are sorry.")
    return "❌ " + text.format(title=event_title(t, event), time=when)


def _promoted(t: Translator, event: Event, user: User, settings: Settings, now: datetime) -> str:
    _ = t.gettext
    lines = [
        "🎉 "
        + _("A seat freed up: you are now registered for «{title}».").format(
            title=event_title(t, event)
        ),
        _("Start: {time}").format(time=reader_moment(t, event.starts_at, user, settings)),
    ]
    lines += _join_line(t, event, settings, now)
    return "\n".join(lines)


def _join_line(t: Translator, event: Event, settings: Settings, now: datetime) -> list[str]:
    if event.address:
        # An offline event: where to come, and that who came is seen at the door.
        return ["📍 " + event.address, t.gettext(CHECKIN_HINT)]
    if not join_offered(event, settings, now):
        return []
    return [t.gettext("Press «Join» below to get the join link.")]


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
