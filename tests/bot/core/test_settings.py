from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.settings import DEFAULT_API_BASE_URL, Settings, SettingsError


def test_settings_defaults_when_environment_is_empty():
    settings = Settings.from_env({})

    assert (
        settings.token,
        settings.api_base_url,
        settings.database_url,
        settings.admin_ids,
        settings.timezone,
        settings.default_language,
        settings.join_link_lead,
    ) == (
        None,
        DEFAULT_API_BASE_URL,
        "sqlite:///data/kopir.db",
        frozenset(),
        ZoneInfo("Asia/Almaty"),
        "ru",
        timedelta(hours=1),
    )


def test_settings_reads_every_variable():
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_API_BASE_FILE_URL": "http://127.0.0.1:8081/file/bot",
            "KOPIR_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
            "KOPIR_ADMIN_IDS": "12, 34",
            "KOPIR_TIMEZONE": "Europe/Kyiv",
            "KOPIR_DEFAULT_LANGUAGE": "kk",
            "KOPIR_JOIN_LINK_LEAD_MINUTES": "30",
            "KOPIR_CONCURRENT_UPDATES": "128",
            "KOPIR_DATABASE_THREADS": "4",
        }
    )

    assert (
        settings.token,
        settings.api_base_url,
        settings.api_base_file_url,
        settings.admin_ids,
        settings.timezone,
        settings.default_language,
        settings.join_link_lead,
        settings.concurrent_updates,
        settings.database_threads,
    ) == (
        "1:abc",
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
        frozenset({12, 34}),
        ZoneInfo("Europe/Kyiv"),
        "kk",
        timedelta(minutes=30),
        128,
        4,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "KOPIR_ADMIN_IDS",
            "12,abc",
            "KOPIR_ADMIN_IDS: 'abc' is not a Telegram user id (expected comma-separated numbers)",
        ),
        ("KOPIR_TIMEZONE", "Mars/Olympus", "KOPIR_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        (
            "KOPIR_DEFAULT_LANGUAGE",
            "de",
            "KOPIR_DEFAULT_LANGUAGE: 'de' is not one of kk, ru, uk, en, kk_Latn",
        ),
        (
            "TELEGRAM_API_BASE_URL",
            "ftp://x",
            "TELEGRAM_API_BASE_URL: expected an http(s) URL, got 'ftp://x'",
        ),
        (
            "KOPIR_JOIN_LINK_LEAD_MINUTES",
            "-5",
            "KOPIR_JOIN_LINK_LEAD_MINUTES: expected a whole number of minutes, got '-5'",
        ),
        (
            "KOPIR_CONCURRENT_UPDATES",
            "0",
            "KOPIR_CONCURRENT_UPDATES: expected a whole number of at least 1, got '0'",
        ),
        (
            "KOPIR_DATABASE_THREADS",
            "²",
            "KOPIR_DATABASE_THREADS: expected a whole number of at least 1, got '²'",
        ),
        (
            "KOPIR_RETENTION_DAYS",
            "0",
            "KOPIR_RETENTION_DAYS: expected a whole number of at least 1, got '0'",
        ),
        (
            "KOPIR_OUTBOX_LEASE_SECONDS",
            "1.5",
            "KOPIR_OUTBOX_LEASE_SECONDS: expected a whole number of at least 1, got '1.5'",
        ),
    ],
)
def test_settings_malformed_value_names_the_variable(variable, value, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})

    assert str(raised.value) == message


def test_settings_retention_days_default_and_from_environment():
    default = Settings.from_env({})
    configured = Settings.from_env({"KOPIR_RETENTION_DAYS": "730"})

    assert (default.retention_days, configured.retention_days) == (365, 730)


def test_settings_outbox_lease_default_and_from_environment():
    default = Settings.from_env({})
    configured = Settings.from_env({"KOPIR_OUTBOX_LEASE_SECONDS": "3"})

    assert (default.outbox_lease, configured.outbox_lease) == (
        timedelta(seconds=60), timedelta(seconds=3))


def test_settings_cli_reports_a_malformed_setting_in_one_line(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("KOPIR_ADMIN_IDS", "x")

    code = main(["db", "upgrade"])

    assert (code, capsys.readouterr().err) == (
        2,
        "kopir: configuration error: KOPIR_ADMIN_IDS: 'x' is not a Telegram user id "
        "(expected comma-separated numbers)\n",
    )
