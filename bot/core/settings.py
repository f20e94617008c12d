"""Configuration read from the environment (and an optional `.env` file).

A missing or malformed setting stops start-up with one line naming it, so an
organizer who mistypes an admin id learns which variable to fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.i18n import LANGUAGES

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_API_BASE_FILE_URL = "https://api.telegram.org/file/bot"


class SettingsError(ValueError):
    """One setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class AgeBand:
    """Ages `low` to `high` years, both included; `high` None: `low` and older."""

    low: int
    high: int | None = None

    @property
    def label(self) -> str:
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"

    def holds(self, age: int) -> bool:
        return self.low <= age and (self.high is None or age <= self.high)


DEFAULT_AGE_BANDS = "0-13,14-17,18-35,36-59,60+"


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    api_base_file_url: str = DEFAULT_API_BASE_FILE_URL
    database_url: str = "sqlite:///data/kopir.db"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Almaty"))
    default_language: str = "ru"
    # The join link is withheld until shortly before the start so that it is
    # not forwarded around days ahead.
    join_link_lead: timedelta = timedelta(hours=1)
    # How often the reminder sender looks for due rows when nothing woke it.
    sender_interval_seconds: float = 5.0
    # Telegram's limit for one chat: at most one new message per this many seconds.
    # Only tests that do not look at pacing shorten it.
    chat_interval_seconds: float = 1.0
    # Telegram's bulk limit for one bot (messages per second, all chats together).
    send_rate: float = 30.0
    # Broadcasts sent with allow_paid_broadcast (paid in Stars) may go up to 1000/s.
    paid_broadcasts: bool = False
    paid_send_rate: float = 1000.0
    # How long a sender's claim on outbox rows holds unless renewed: when a process sharing
    # the database dies mid-broadcast, another takes its rows back after this.
    outbox_lease: timedelta = timedelta(seconds=60)
    # Updates of different readers handled at once (one reader's stay in order).
    concurrent_updates: int = 64
    # Worker threads for database work, so that it never runs on the event loop.
    database_threads: int = 8
    # Personal data of readers with nothing going on are erased this many days after their
    # last event or contest ended (or after their consent, if they never took part).
    retention_days: int = 365
    # /healthz and /metrics on a port of their own (None: not served; 0: any free port).
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    # Webhook mode (off without a URL): Telegram posts updates to this public HTTPS URL,
    # each request carrying the secret; the server listens on webhook_host:webhook_port.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_host: str = "0.0.0.0"  # noqa: S104 (behind the reverse proxy that ends TLS)
    webhook_port: int = 8443
    webhook_max_connections: int = 40
    # The report's age bands (/report, `kopir report`): from 0, one after another, the
    # last open ("60+"), so every known age falls in exactly one.
    age_bands: tuple[AgeBand, ...] = field(
        default_factory=lambda: parse_age_bands(DEFAULT_AGE_BANDS))

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_url and self.webhook_secret)

    def service_address(self) -> tuple[str, int] | None:
        """Where /healthz and /metrics listen (with the webhook, in webhook mode); None when
        they are not served."""
        if self.webhook_mode:
            return self.webhook_host, self.webhook_port
        if self.health_port is not None:
            return self.health_host, self.health_port
        return None

    def required_token(self) -> str:
        """The bot's token, for what talks to Telegram; `SettingsError` when there is none."""
        if not self.token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is required")
        return self.token

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=_url(env, "TELEGRAM_API_BASE_URL", DEFAULT_API_BASE_URL),
            api_base_file_url=_url(env, "TELEGRAM_API_BASE_FILE_URL", DEFAULT_API_BASE_FILE_URL),
            database_url=env.get("KOPIR_DATABASE_URL") or "sqlite:///data/kopir.db",
            admin_ids=_admin_ids(env.get("KOPIR_ADMIN_IDS", "")),
            timezone=_timezone(env.get("KOPIR_TIMEZONE") or "Asia/Almaty"),
            default_language=_language(env.get("KOPIR_DEFAULT_LANGUAGE") or "ru"),
            join_link_lead=timedelta(
                minutes=_non_negative_int(env, "KOPIR_JOIN_LINK_LEAD_MINUTES", 60)
            ),
            send_rate=_positive_number(env, "KOPIR_SEND_RATE", 30.0),
            paid_broadcasts=_flag(env, "KOPIR_PAID_BROADCASTS"),
            outbox_lease=timedelta(seconds=_count(env, "KOPIR_OUTBOX_LEASE_SECONDS", 60)),
            concurrent_updates=_count(env, "KOPIR_CONCURRENT_UPDATES", 64),
            database_threads=_count(env, "KOPIR_DATABASE_THREADS", 8),
            retention_days=_count(env, "KOPIR_RETENTION_DAYS", 365),
            health_port=_port(env, "KOPIR_HEALTH_PORT"),
            health_host=env.get("KOPIR_HEALTH_HOST") or "127.0.0.1",
            age_bands=parse_age_bands(env.get("KOPIR_AGE_BANDS") or DEFAULT_AGE_BANDS),
            **_webhook(env),
        )


def load_dotenv_file(path: Path = Path(".env")) -> None:
    """Read `.env` into the environment without overriding what is already set."""
    if path.exists():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def parse_age_bands(raw: str) -> tuple[AgeBand, ...]:
    """KOPIR_AGE_BANDS, e.g. "0-13,14-17,18-35,36-59,60+": bands from 0, each starting the
    year after the one before ends, the last one open."""
    bands: list[AgeBand] = []
    for part in (piece.strip() for piece in raw.split(",")):
        match = re.fullmatch(r"(\d{1,3})(?:-(\d{1,3})|(\+))", part)
        if match is None:
            raise SettingsError(
                f"KOPIR_AGE_BANDS: {part!r} is not a band like 14-17 or 60+ "
                f"(expected e.g. {DEFAULT_AGE_BANDS})")
        low = int(match.group(1))
        high = None if match.group(3) else int(match.group(2))
        expected = 0 if not bands else (bands[-1].high or 0) + 1
        if bands and bands[-1].high is None:
            raise SettingsError(f"KOPIR_AGE_BANDS: only the last band may be open, not "
                                f"{bands[-1].label}")
        if low != expected or (high is not None and high < low):
            raise SettingsError(
                f"KOPIR_AGE_BANDS: {part!r} should start at {expected} and not end before it "
                "(bands start at 0 and follow one another)")
        bands.append(AgeBand(low, high))
    if not bands or bands[-1].high is not None:
        raise SettingsError(f"KOPIR_AGE_BANDS: the last band must be open, like 60+ (got {raw!r})")
    return tuple(bands)


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name}: expected an http(s) URL, got {value!r}")
    return value


def _admin_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise SettingsError(
                f"KOPIR_ADMIN_IDS: {part!r} is not a Telegram user id "
                "(expected comma-separated numbers)"
            )
        ids.add(int(part))
    return frozenset(ids)


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"KOPIR_TIMEZONE: unknown time zone {name!r}") from None


def _language(code: str) -> str:
    if code not in LANGUAGES:
        raise SettingsError(
            f"KOPIR_DEFAULT_LANGUAGE: {code!r} is not one of {', '.join(LANGUAGES)}"
        )
    return code


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name}: expected a whole number of minutes, got {raw!r}")
    return int(raw)


def _webhook(env: Mapping[str, str]) -> dict[str, Any]:
    url = env.get("KOPIR_WEBHOOK_URL") or None
    if url is None:
        return {}
    if not url.startswith("https://"):
        raise SettingsError(f"KOPIR_WEBHOOK_URL: Telegram posts to HTTPS URLs only, got {url!r}")
    secret = env.get("KOPIR_WEBHOOK_SECRET") or ""
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
        raise SettingsError(
            "KOPIR_WEBHOOK_SECRET: 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
            "(required in webhook mode)"
        )
    max_connections = _count(env, "KOPIR_WEBHOOK_MAX_CONNECTIONS", 40)
    if max_connections > 100:
        raise SettingsError("KOPIR_WEBHOOK_MAX_CONNECTIONS: Telegram allows 1 to 100")
    return {
        "webhook_url": url,
        "webhook_secret": secret,
        "webhook_host": env.get("KOPIR_WEBHOOK_HOST") or "0.0.0.0",  # noqa: S104
        "webhook_port": _port(env, "KOPIR_WEBHOOK_PORT") or 8443,
        "webhook_max_connections": max_connections,
    }


def _port(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 65535:
        raise SettingsError(f"{name}: expected a port number (0-65535), got {raw!r}")
    return int(raw)


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name}: expected a whole number of at least 1, got {raw!r}")
    return int(raw)


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise SettingsError(
            f"{name}: expected a positive number of messages per second, got {raw!r}"
        )
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}: expected yes or no, got {raw!r}")
