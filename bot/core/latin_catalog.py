"""Generate the Latin Kazakh catalog (kk_Latn) from the Kazakh one.

    python -m bot.core.latin_catalog

`make update` runs it after merging the sources into the other catalogs, so kk_Latn is
never edited by hand: every Kazakh translation is transliterated (bot.core.latin), with
the same flags, comments and plural forms. It writes both the .po and the compiled .mo,
so the pair is current even before `make compile`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.core.i18n import DOMAIN, LATIN_KAZAKH, LOCALES_DIR
from bot.core.latin import to_latin

SOURCE = "kk"
HEADER = (
    "Kazakh (Latin alphabet of 2021) translations for Kopir.\n"
    "Generated from locales/kk/LC_MESSAGES/messages.po by `python -m bot.core.latin_catalog`\n"
    "(run by `make update`): edit the Kazakh catalog, never this one."
)


def latin_catalog(kazakh: Catalog) -> Catalog:
    """A copy of `kazakh` with every translation in Latin letters, for "kk_Latn"."""
    latin = Catalog(
        locale=LATIN_KAZAKH,
        domain=kazakh.domain,
        header_comment="\n".join(f"# {line}" for line in HEADER.splitlines()),
        project=kazakh.project,
        version=kazakh.version,
        copyright_holder=kazakh.copyright_holder,
        msgid_bugs_address=kazakh.msgid_bugs_address,
        creation_date=kazakh.creation_date,
        revision_date=kazakh.revision_date,
        last_translator=kazakh.last_translator,
        language_team=f"{LATIN_KAZAKH} (generated from {SOURCE})",
        charset=kazakh.charset,
        fuzzy=kazakh.fuzzy,
    )
    for message in kazakh:
        if not message.id:
            continue  # the header, made above
        string = message.string
        latin.add(
            message.id,
            tuple(to_latin(form) for form in string) if isinstance(string, tuple | list)
            else to_latin(string or ""),
            locations=message.locations,
            flags=message.flags,
            auto_comments=message.auto_comments,
            user_comments=message.user_comments,
            previous_id=message.previous_id,
            context=message.context,
        )
    return latin


def generate(directory: Path = LOCALES_DIR) -> Path:
    """Write kk_Latn's .po and .mo under `directory` from kk's .po; returns the .po."""
    with open(directory / SOURCE / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as source:
        latin = latin_catalog(read_po(source, locale=SOURCE, domain=DOMAIN))
    target = directory / LATIN_KAZAKH / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / f"{DOMAIN}.po", "wb") as po:
        write_po(po, latin, width=0, ignore_obsolete=True)  # no wrapping, as `make update`
    with open(target / f"{DOMAIN}.mo", "wb") as mo:
        write_mo(mo, latin)
    return target / f"{DOMAIN}.po"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    written = generate(Path(args[0]) if args else LOCALES_DIR)
    sys.stdout.write(f"wrote {written}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
