"""What a contest's winners' documents are called (`Contest.award`), in the reader's language:
the PDF's heading and file name, the contest card and the winner's message share these words."""

from __future__ import annotations

from bot.core.i18n import N_, Translator
from storage.contest_models import AwardTitle

AWARD_NAMES = {
    # Translators: what a contest's winners receive; also the PDF's file name, so keep it
    # short and without slashes.
    AwardTitle.DIPLOMA: N_("Diploma"),
    # Translators: a winner's certificate (ru "Сертификат").
    AwardTitle.CERTIFICATE: N_("Certificate"),
    # Translators: a certificate of merit (ru "Грамота", kk "Мадақтама").
    AwardTitle.CHARTER: N_("Certificate of merit"),
    AwardTitle.LETTER_OF_THANKS: N_("Letter of thanks"),
}

# Diplomas of the first three places have a degree (ru "Диплом I степени").
DIPLOMA_DEGREES = {
    # Translators: the heading of the diploma of a contest's 1st place (ru "Диплом I степени").
    1: N_("First-degree diploma"),
    2: N_("Second-degree diploma"),
    3: N_("Third-degree diploma"),
}

AWARD_ATTACHED = {
    AwardTitle.DIPLOMA: N_("Your diploma is attached."),
    AwardTitle.CERTIFICATE: N_("Your certificate is attached."),
    AwardTitle.CHARTER: N_("Your certificate of merit is attached."),
    AwardTitle.LETTER_OF_THANKS: N_("Your letter of thanks is attached."),
}


def award_title(key: str | None) -> AwardTitle:
    """The stored key as an `AwardTitle`; an unknown one is a diploma, as before the choice."""
    try:
        return AwardTitle(key or AwardTitle.DIPLOMA)
    except ValueError:
        return AwardTitle.DIPLOMA


def award_name(t: Translator, key: str | None) -> str:
    return t.gettext(AWARD_NAMES[award_title(key)])


def award_heading(t: Translator, key: str | None, place: int | None) -> str:
    """The heading of a winner's document: "Диплом II степени" for a diploma of the first
    three places, else the award's name."""
    title = award_title(key)
    if title is AwardTitle.DIPLOMA and place in DIPLOMA_DEGREES:
        return t.gettext(DIPLOMA_DEGREES[place])
    return t.gettext(AWARD_NAMES[title])


def award_attached(t: Translator, key: str | None) -> str:
    return t.gettext(AWARD_ATTACHED[award_title(key)])
