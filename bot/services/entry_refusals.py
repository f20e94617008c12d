"""Why an entry is refused: the limits on a work, the messages a reader gets (English
msgids, rendered in the reader's language) and `EntryRefused`, which carries one.
Raised by `bot.services.entries` and `bot.services.entry_actions`.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime

from bot.core.i18n import N_, Nn_, Plural, Translator
from storage.contest_models import EntryContent

TITLE_LIMIT = 200
CAPTION_LIMIT = 1000
# One Telegram message: an essay in the chat is a single message.
TEXT_LIMIT = 4096
MEGABYTE = 1024 * 1024
# Bots cannot download larger files, so the jury could never read them.
FILE_LIMIT = 20 * MEGABYTE

PHOTO_CONTENTS = (EntryContent.PHOTO, EntryContent.IMAGE_FILE)
ESSAY_CONTENTS = (EntryContent.TEXT, EntryContent.DOCUMENT)
IMAGE_TYPES = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
DOCUMENT_TYPES = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "text/plain": (".txt",),
}

# Refusals; `eligible` returns one of the first four, SCORING compares with them.
PROFILE_INCOMPLETE = N_(
    "To enter a contest, please fill in your profile first: the contest's organizers need "
    "your name, date of birth, country and library."
)
AGE_OUT_OF_RANGE = Nn_(
    "Sorry, this contest is for readers aged {min} to {max} on {date}; on that day you will "
    "be {age} year old.",
    "Sorry, this contest is for readers aged {min} to {max} on {date}; on that day you will "
    "be {age} years old.",
    count="age",
)
COUNTRY_NOT_ALLOWED = N_("Sorry, this contest is not open to readers from {country}.")
NO_SIDE = N_(
    "Sorry, this contest is only for readers from the participating countries, and "
    "{country} is not one of them."
)
NOT_OPEN_YET = N_("This contest does not accept entries yet.")
WINDOW_CLOSED = N_("Entries for this contest are closed.")
ENTRY_LIMIT = Nn_(
    "You have already sent {n} entry to this contest, the most allowed. You can replace or "
    "withdraw it in /myentries.",
    "You have already sent {n} entries to this contest, the most allowed. You can replace or "
    "withdraw them in /myentries.",
)
WRONG_PHOTO = N_(
    "This contest accepts photos: please send a photo, or a JPEG or PNG image as a file "
    "(a file keeps full quality)."
)
WRONG_ESSAY = N_(
    "This contest accepts essays: please send the text as one message, or a PDF, DOCX, ODT "
    "or TXT file up to 20 MB."
)
FILE_TOO_LARGE = N_(
    "This file is {size} MB, and the limit is 20 MB. Please send a smaller file."
)
DUPLICATE_FILE = N_(
    "This very file has already been sent to this contest. Please send your own, new work."
)
EMPTY_TITLE = N_("Please send the title of your work as text.")
TITLE_TOO_LONG = Nn_(
    "The title is too long ({length} character); at most {max}, please.",
    "The title is too long ({length} characters); at most {max}, please.",
    count="length",
)
EMPTY_TEXT = N_("The essay is empty. Please send its text, or a file.")
TEXT_TOO_LONG = Nn_(
    "The text is too long ({length} character); at most {max} fit in one message. "
    "Please send it as a file instead.",
    "The text is too long ({length} characters); at most {max} fit in one message. "
    "Please send it as a file instead.",
    count="length",
)
CAPTION_TOO_LONG = Nn_(
    "The caption is too long ({length} character); at most {max}, please.",
    "The caption is too long ({length} characters); at most {max}, please.",
    count="length",
)
NOT_WHAT_IT_SAYS = N_(
    "This file cannot be opened as a {format} file: it may be damaged, protected by a "
    "password, or another kind of file renamed. Nothing was stored; please send another file."
)
FILE_NOT_LOADED = N_("The file could not be loaded just now. Please send it again.")
NOT_YOURS = N_("This entry is not yours, or it no longer exists.")
ALREADY_WITHDRAWN = N_("This entry has been withdrawn.")


class EntryRefused(Exception):
    """An entry (or its change) cannot be accepted; `render` says why in the reader's language.

    `msgid` is an `N_` message or an `Nn_` pair; `date` parameters are written as
    long dates and `float` ones as numbers of the reader's locale.
    """

    def __init__(self, msgid: str | Plural, **params: object) -> None:
        self.msgid = msgid
        self.params = params
        # English, so that logs and tracebacks read as text rather than a msgid.
        super().__init__(self.render(Translator("en", gettext.NullTranslations())))

    def render(self, t: Translator) -> str:
        params = {key: _shown(t, value) for key, value in self.params.items()}
        if isinstance(self.msgid, Plural):
            # The count picks the form; it stays a number.
            params[self.msgid.count] = self.params[self.msgid.count]
            return self.msgid.translate(t, params)
        return t.gettext(self.msgid).format(**params)


def _shown(t: Translator, value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        # kk follows the date with "күнгі": "2026 жылғы 5 желтоқсан күнгі".
        return t.date_before_suffix(value)
    if isinstance(value, float):
        return t.number(value)
    return value
