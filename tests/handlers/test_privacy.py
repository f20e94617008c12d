"""/mydata and /deleteme end to end through the fake Bot API."""

import json
from datetime import timedelta

from bot.messages.notices import render as render_notice
from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services.registration import register
from storage.contest_models import EntryStatus
from tests.conftest import onboard
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW, make_event
from tests.result_factories import make_entry

READER, OTHER = 701, 702
ERASE_QUESTION = (
    "Erase your data from Kopir?\n\n"
    "• Your profile and your consent are erased: name, date of birth, country, city, "
    "library or school.\n"
    "• Your registrations are cancelled; your seats go to the waiting list.\n"
    "• Your contest entries are withdrawn and their works deleted. Where the results "
    "are already final, only the entry's code, place and score stay, without your name.\n"
    "• If you are on a jury still at work, you leave it.\n\n"
    "Kopir keeps only your Telegram id, your language and your time zone, so that it "
    "can still answer you. This cannot be undone."
)
ERASED = (
    "Your data are erased. Kopir keeps only your Telegram id, your language and your "
    "time zone, so that it can still answer you. If you register for an event or enter "
    "a contest again, you will be asked for a new profile."
)


def registered(database, event_id, user_id, at=NOW):
    with database.uow() as uow:
        register(uow, event_id, user_id, at)
        uow.commit()


def registration_status(database, event_id, user_id):
    with database.reading() as uow:
        return uow.registrations.get(event_id, user_id).status


async def test_mydata_shows_what_is_kept_and_sends_it_as_json(bot_app, fake_api, database):
    user = await onboard(fake_api, READER, "en")
    make_reader(database, READER, full_name="Aigerim Serikova")
    event = make_event(database, titles={"en": "Bridge"})
    registered(database, event.id, READER)
    contest = make_contest(database)
    make_entry(database, contest, READER, 1, "The steppe")

    await user.send("/mydata")
    shown = await user.next_message()
    sent = await user.next_message()

    document = json.loads(fake_api.file_bytes(sent["document"]["file_id"]).decode())
    assert text_of(shown).split("\n\n") == [
        "This is everything Kopir keeps about you.",
        f"Telegram id: {READER}\nLanguage: English\nTime zone: not set",
        "First name from Telegram: Aru",
        "Profile:\nName: Aigerim Serikova\nDate of birth: 14 March 2009\n"
        "Country: Kazakhstan\nCity: Karaganda\nLibrary or school: Karaganda Regional Youth "
        "Library\nConsent given on: 22 November 2026",
        "Registrations:\n• «Bridge», 25 November 2026, 09:00: registered",
        "Contest entries:\n• «We roam towards ourselves»: E-001 «The steppe», submitted",
        "The same, as a file, is below. To erase your data, send /deleteme.",
    ]
    assert (sent["document"]["file_name"], document["telegram_id"],
            document["profile"]["full_name"],
            [e["title"] for e in document["contest_entries"]]) == (
        "kopir-mydata.json", READER, "Aigerim Serikova", ["The steppe"]
    )


async def test_mydata_newcomer_hears_only_id_and_language_are_kept(bot_app, fake_api):
    user = await onboard(fake_api, READER, "en")

    await user.send("/mydata")
    shown = await user.next_message()
    await user.handled()

    assert (text_of(shown), user.drain()) == (
        f"Kopir keeps only your Telegram id ({READER}) and your language, so that it can "
        "answer you. There is no profile, registration, contest entry or jury work of yours.",
        [],
    )


async def test_deleteme_erase_erases_and_gives_the_seat_to_the_waiting_list(
    bot_app, fake_api, database, catalogs, settings
):
    user = await onboard(fake_api, READER, "en")
    waiting = await onboard(fake_api, OTHER, "en")
    make_reader(database, READER)
    make_reader(database, OTHER)
    event = make_event(database, capacity=1, titles={"en": "Bridge"})
    registered(database, event.id, READER)
    queued_at = NOW + timedelta(minutes=1)
    registered(database, event.id, OTHER, queued_at)
    contest = make_contest(database)
    entry = make_entry(database, contest, READER, 1, "The steppe")

    await user.send("/deleteme")
    question = await user.next_message()
    await user.press("Erase")
    done = await user.next_message()
    told = await waiting.next_message()  # the sender delivers the PROMOTED notice

    with database.reading() as uow:
        stored = uow.users.get(READER)
        kept = uow.entries.get(entry.id)
        notice = uow.notifications.by_key(f"promoted:{event.id}:{OTHER}:{queued_at.isoformat()}")
        expected = render_notice(catalogs.translator("en"), notice, uow.events.get(event.id),
                                 uow.users.get(OTHER), settings, NOW)
    assert (text_of(question), buttons_of(question), text_of(done), buttons_of(done),
            done["message_id"], text_of(told)) == (
        ERASE_QUESTION, [["Erase", "Keep"]], ERASED, [], question["message_id"], expected
    )
    assert (stored.full_name, stored.consent_at, stored.erased_at, stored.language,
            registration_status(database, event.id, READER),
            registration_status(database, event.id, OTHER), kept.status, kept.text) == (
        None, None, NOW, "en", "cancelled", "registered", EntryStatus.WITHDRAWN, None
    )


async def test_deleteme_keep_changes_nothing(bot_app, fake_api, database):
    user = await onboard(fake_api, READER, "en")
    make_reader(database, READER, full_name="Aigerim Serikova")

    await user.send("/deleteme")
    question = await user.next_message()
    await user.press("Keep")
    kept = await user.next_message()

    with database.reading() as uow:
        stored = uow.users.get(READER)
    assert (kept["message_id"], text_of(kept), buttons_of(kept), stored.full_name,
            stored.erased_at) == (
        question["message_id"], "Nothing was erased: your data stay as they were.", [],
        "Aigerim Serikova", None,
    )


async def test_deleteme_newcomer_has_nothing_to_erase(bot_app, fake_api):
    user = await onboard(fake_api, READER, "en")

    await user.send("/deleteme")
    reply = await user.next_message()

    assert (text_of(reply), buttons_of(reply)) == (
        "There is nothing to erase: Kopir keeps only your Telegram id and your language, so "
        "that it can answer you.",
        [],
    )


async def test_deleteme_then_mydata_shows_no_profile(bot_app, fake_api, database):
    user = await onboard(fake_api, READER, "en")
    make_reader(database, READER)
    event = make_event(database, titles={"en": "Bridge"})
    registered(database, event.id, READER)
    await user.send("/deleteme")
    await user.next_message()
    await user.press("Erase")
    await user.next_message()

    await user.send("/mydata")
    shown = await user.next_message()

    assert text_of(shown).split("\n\n")[2:4] == [
        "Profile: none.",
        "Registrations:\n• «Bridge», 25 November 2026, 09:00: cancelled",
    ]


async def test_commands_menu_offers_mydata_and_deleteme(bot_app, fake_api, catalogs):
    listed = {c["command"]: c["description"] for c in fake_api.commands_for("en")}

    assert (listed["mydata"], listed["deleteme"]) == ("What Kopir keeps about me", "Erase my data")


async def test_retention_job_is_scheduled_once_a_day_at_half_past_three(bot_app, settings):
    jobs = bot_app.job_queue.get_jobs_by_name("kopir.retention")

    trigger = jobs[0].job.trigger
    fields = {field.name: str(field) for field in trigger.fields}
    assert (len(jobs), fields["hour"], fields["minute"], fields["day"], trigger.timezone) == (
        1, "3", "30", "*", settings.timezone
    )
