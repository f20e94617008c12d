"""Kazakh from Cyrillic into the Latin alphabet of 2021 ("Qazaqşa (latyn)").

The alphabet is the one the National Alphabet Commission presented in January 2021
(31 letters: A Ä B D E F G Ğ H I İ J K L M N Ñ O Ö P Q R S Ş T U Ū Ü V Y Z), as
tabulated in https://en.wikipedia.org/wiki/Kazakh_alphabets#Latin_script and shown in
its worked example ("Бұрыңғы ... бір данышпан кісі" -> "Būryñğy ... bır danyşpan kısı",
"үйіне" -> "üiıne", "сый" -> "syi"); the 31-letter count and "ö, ğ, ü, ş" are confirmed by
https://aa.com.tr/en/asia-pacific/kazakhstan-opens-new-latin-alphabet-to-public-opinion/2217193.

Decisions where the table has no one-to-one letter:
- и and й are both "i" (the dotted İ i of the table); і is the dotless "ı" (I ı);
  у is "u", ұ is "ū", ү is "ü", ы is "y"; х and һ are both "h"; э is "e".
- The table has no letter for the letters of Russian loans; they are spelled by sound
  (issue 13): ц -> ts, ч -> ch, щ -> şş, ю -> iu, я -> ia, ё -> io; ъ and ь are dropped.
- Case: the Latin I/İ pair is not Python's i/I, so every letter carries its own capital
  (и -> i/İ, і -> ı/I). A capital followed by small letters capitalises only the first
  Latin letter ("Шығыс" -> "Şyğys", "Щука" -> "Şşuka", "Юлия" -> "İuliia": the issue's
  "Iu" would read "Іу"); a word in capitals stays in capitals ("ЖЮРИ" -> "JİURİ", not
  "JIURI", which reads "ЖІУРІ").

Only Cyrillic letters change, so Latin text, digits and punctuation pass through;
{placeholders}, HTML tags with their attributes, URLs, /commands and %-format specs are
kept as they are even if they hold Cyrillic (a `href` to a Cyrillic domain, a
`{имя}`-style name).
"""

from __future__ import annotations

import re

# Cyrillic small letter -> (small Latin, capital Latin as the first letter of a word).
_LETTERS: dict[str, tuple[str, str]] = {
    "а": ("a", "A"), "ә": ("ä", "Ä"), "б": ("b", "B"), "в": ("v", "V"), "г": ("g", "G"),
    "ғ": ("ğ", "Ğ"), "д": ("d", "D"), "е": ("e", "E"), "ё": ("io", "İo"), "ж": ("j", "J"),
    "з": ("z", "Z"), "и": ("i", "İ"), "й": ("i", "İ"), "к": ("k", "K"), "қ": ("q", "Q"),
    "л": ("l", "L"), "м": ("m", "M"), "н": ("n", "N"), "ң": ("ñ", "Ñ"), "о": ("o", "O"),
    "ө": ("ö", "Ö"), "п": ("p", "P"), "р": ("r", "R"), "с": ("s", "S"), "т": ("t", "T"),
    "у": ("u", "U"), "ұ": ("ū", "Ū"), "ү": ("ü", "Ü"), "ф": ("f", "F"), "х": ("h", "H"),
    "һ": ("h", "H"), "ц": ("ts", "Ts"), "ч": ("ch", "Ch"), "ш": ("ş", "Ş"), "щ": ("şş", "Şş"),
    "ъ": ("", ""), "ы": ("y", "Y"), "і": ("ı", "I"), "ь": ("", ""), "э": ("e", "E"),
    "ю": ("iu", "İu"), "я": ("ia", "İa"),
}
_CAPITALS = {cyrillic.upper(): pair for cyrillic, pair in _LETTERS.items()}
# Python's "i".upper() is "I", which in this alphabet is the capital of "ı", not of "i".
_UPPER = str.maketrans({"i": "İ", "ı": "I"})

# Kept verbatim: {placeholders}, tags, URLs, /commands, %(name)s and %s specs.
_KEPT = re.compile(
    r"\{[^{}]*\}"
    r"|</?[A-Za-z][^<>]*>"
    r"|https?://[^\s<>\"']+"
    r"|(?<![\w/])/[A-Za-z_]\w*"
    r"|%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[sdifr%]"
)
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def upper(text: str) -> str:
    """`text` in capitals with the 2021 alphabet's İ/I pair ("Sertifikat" -> "SERTİFİKAT")."""
    return text.translate(_UPPER).upper()


def to_latin(text: str) -> str:
    """Kazakh Cyrillic in `text` written in the 2021 Latin alphabet, the rest untouched."""
    pieces: list[str] = []
    start = 0
    for kept in _KEPT.finditer(text):
        pieces.append(_WORD.sub(_word, text[start:kept.start()]))
        pieces.append(kept.group())
        start = kept.end()
    pieces.append(_WORD.sub(_word, text[start:]))
    return "".join(pieces)


def _word(match: re.Match[str]) -> str:
    word = match.group()
    if not _CYRILLIC.search(word):
        return word  # Latin words keep their own capitals ("PDF", "iPhone")
    # Two capitals and no small letter make a word in capitals ("ЖЮРИ", "ҚР").
    shouting = sum(ch.isupper() for ch in word) > 1 and not any(ch.islower() for ch in word)
    latin = "".join(_letter(ch) for ch in word)
    return upper(latin) if shouting else latin


def _letter(ch: str) -> str:
    if ch in _LETTERS:
        return _LETTERS[ch][0]
    if ch in _CAPITALS:
        return _CAPITALS[ch][1]
    return ch
