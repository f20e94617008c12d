"""A contest work's file without its author: `clean(content, file_name, data)`.

The jury judges blind, but files carry their authors: a PDF from Word its /Author,
a DOCX `docProps/core.xml` its `dc:creator` and `cp:lastModifiedBy` and every comment
its author's name, an ODT `meta.xml` its `initial-creator`, a JPEG its EXIF Artist
and GPS position (most authors are minors: that is their home). `clean` returns the
work with all of that removed and the work itself (text, pixels) kept, or raises
`NotWhatItSays` for a file that is not what its name says (a ".docx" that is no zip
with `word/document.xml`, a ".pdf" without "%PDF", an image Pillow cannot open).

Where it runs (the design): Telegram keeps the file the author sent, and an entry
keeps only its file_id; the bot cannot put a file into Telegram without sending it
to someone. So the work is cleaned whenever it leaves the bot: the jury's copy
(`handlers.jury_screens.send_work`, which already downloads and re-sends files under
the entry's code) and the ZIP of entries (`handlers.results`). When the entry
arrives it is cleaned once as a check (`handlers.entries.work_sent`), so a file
that cannot be cleaned is refused there and then, and nothing is stored; cleaning
is deterministic, so what passed then passes again later. Storing the cleaned bytes
instead would put up to 20 MB per entry into the database for no gain. A photo sent
*as a photo* is not touched: Telegram re-encodes such photos itself and serves them
without metadata, and the jury gets it by its file_id as before.

Pure and synchronous (CPU work: callers run it in a worker thread); nothing here
knows about Telegram.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

from storage.contest_models import EntryContent

# What replaces an author's name in comments and tracked changes.
ANONYMOUS = "Author"
ANONYMOUS_INITIALS = "A"
# A zip that unpacks to more than this is refused (a "zip bomb"), entries are <= 20 MB.
UNPACKED_LIMIT = 256 * 1024 * 1024
IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
DOCUMENT_FORMATS = {".pdf": "PDF", ".docx": "DOCX", ".odt": "ODT", ".txt": "TXT"}
# A file without an extension is taken for what its MIME type says.
MIME_FORMATS = {
    "image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.oasis.opendocument.text": "ODT", "text/plain": "TXT",
}


class NotWhatItSays(ValueError):
    """The file is not the kind of file its name says, or cannot be read as one.

    `format` names what it was taken for ("PDF", "DOCX", "JPEG or PNG"), for the message.
    """

    def __init__(self, format: str, reason: str) -> None:
        self.format = format
        super().__init__(f"not a {format} file: {reason}")


def file_format(content: str, file_name: str | None, mime_type: str | None = None) -> str:
    """The format a work's file is taken for: by its extension, else by its MIME type."""
    suffix = PurePosixPath(file_name or "").suffix.lower()
    by_mime = MIME_FORMATS.get((mime_type or "").split(";")[0].strip().lower())
    if content in (EntryContent.PHOTO, EntryContent.IMAGE_FILE):
        return IMAGE_FORMATS.get(suffix) or by_mime or "JPEG or PNG"
    return DOCUMENT_FORMATS.get(suffix) or (by_mime if not suffix else None) or (
        suffix.lstrip(".").upper() or "?")


def clean(content: str, file_name: str | None, data: bytes, mime_type: str | None = None) -> bytes:
    """The file `data` of a work (`content`: an EntryContent) without its author's traces."""
    format = file_format(content, file_name, mime_type)
    if content in (EntryContent.PHOTO, EntryContent.IMAGE_FILE):
        return clean_image(data, format)
    if format == "PDF":
        return clean_pdf(data)
    if format == "DOCX":
        return clean_docx(data)
    if format == "ODT":
        return clean_odt(data)
    if format == "TXT":
        return clean_txt(data)
    raise NotWhatItSays(format, "not an accepted kind of file")


# --- images --------------------------------------------------------------------------------


def clean_image(data: bytes, format: str = "JPEG or PNG") -> bytes:
    """The pixels again, as the same format, without EXIF, XMP, IPTC or PNG text chunks.

    The EXIF orientation is applied first, so the photo still stands the right way up.
    The colour profile stays: it describes the colours, not the photographer.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            found = opened.format
            if found not in ("JPEG", "PNG") or (format in ("JPEG", "PNG") and found != format):
                raise NotWhatItSays(format, f"it is {found or 'an unknown'} image")
            opened.load()
            image = ImageOps.exif_transpose(opened)
            keep = {key: opened.info[key] for key in ("icc_profile", "transparency", "dpi")
                    if key in opened.info}
            pixels = image.copy()
    except NotWhatItSays:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as error:
        raise NotWhatItSays(format, str(error)) from error
    # A fresh `info`: nothing of the original's EXIF, XMP, IPTC or text chunks comes along.
    pixels.info = {}
    out = io.BytesIO()
    if found == "JPEG":
        if pixels.mode not in ("L", "RGB", "CMYK"):
            pixels = pixels.convert("RGB")
        options = {key: keep[key] for key in ("icc_profile", "dpi") if key in keep}
        pixels.save(out, "JPEG", quality=95, **options)
    else:
        pixels.save(out, "PNG", optimize=False, **keep)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------


def clean_pdf(data: bytes) -> bytes:
    """The pages again, without the document information, XMP and annotation authors."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError
    from pypdf.generic import NameObject

    if not data.lstrip()[:5] == b"%PDF-":
        raise NotWhatItSays("PDF", "no %PDF header")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotWhatItSays("PDF", "protected by a password")
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        if not writer.pages:
            raise NotWhatItSays("PDF", "no pages")
    except NotWhatItSays:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError) as error:
        raise NotWhatItSays("PDF", str(error)) from error
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            if key in page:
                del page[NameObject(key)]
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Widget" and "/T" in annotation:
                del annotation[NameObject("/T")]
    # No /Info at all (pypdf would add its own /Producer), and no XMP of the document.
    writer.metadata = None
    if "/Metadata" in writer.root_object:
        del writer.root_object[NameObject("/Metadata")]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- DOCX and ODT: zip packages ------------------------------------------------------------

_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"/>'
)
_EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"/>'
)
# w:author and w:initials of comments and tracked changes, w15:author and w15:userId of
# the people who commented (word/people.xml): prefixed attributes, either quote.
_PERSON_ATTRIBUTE = re.compile(
    rb"(\s[A-Za-z][\w.-]*:(author|initials|userId|providerId))\s*=\s*(\"[^\"]*\"|'[^']*')"
)
# An attached template as a local path ("file:///C:/Users/<name>/...dotm").
_LOCAL_TARGET = re.compile(rb"""(\sTarget\s*=\s*)("file:[^"]*"|'file:[^']*')""", re.IGNORECASE)
# ODT annotations and tracked changes: <dc:creator>, <meta:creator-initials>.
_ODF_CREATOR = re.compile(rb"(<dc:creator>)[^<]*(</dc:creator>)")
_ODF_INITIALS = re.compile(rb"(<meta:creator-initials>)[^<]*(</meta:creator-initials>)")
_ODF_VERSION = re.compile(rb"office:version\s*=\s*\"([0-9.]{1,8})\"")
_PICTURE = (".jpg", ".jpeg", ".png")


def _open_zip(data: bytes, format: str, required: str) -> zipfile.ZipFile:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise NotWhatItSays(format, f"not a zip: {error}") from error
    if required not in names:
        raise NotWhatItSays(format, f"no {required}")
    if sum(info.file_size for info in package.infolist()) > UNPACKED_LIMIT:
        raise NotWhatItSays(format, "unpacks to too much")
    return package


def _person_attribute(match: re.Match) -> bytes:
    name = match.group(2)
    value = {b"author": ANONYMOUS, b"initials": ANONYMOUS_INITIALS}.get(name, "")
    return match.group(1) + b'="' + value.encode() + b'"'


def _picture(name: str, content: bytes) -> bytes:
    """A picture inside the document, without its EXIF; left as it is if it is no JPEG/PNG."""
    try:
        return clean_image(content)
    except NotWhatItSays:
        return content


def _repack(package: zipfile.ZipFile, format: str, rewrite) -> bytes:
    """Every member again, in the same order and compression (ODT's `mimetype` stays first
    and stored), each through `rewrite(name, content)`; no zip or member comments."""
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w") as cleaned:
            for member in package.infolist():
                content = rewrite(member.filename, package.read(member))
                info = zipfile.ZipInfo(member.filename, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = member.compress_type
                info.external_attr = member.external_attr
                cleaned.writestr(info, content)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError) as error:
        raise NotWhatItSays(format, str(error)) from error
    return out.getvalue()


def clean_docx(data: bytes) -> bytes:
    """Core, app and custom properties emptied; comments' and revisions' authors anonymised;
    pictures without EXIF; a template's local path (with the user's folder) dropped."""
    package = _open_zip(data, "DOCX", "word/document.xml")

    def rewrite(name: str, content: bytes) -> bytes:
        lower = name.lower()
        if lower.startswith("docprops/"):
            base = PurePosixPath(lower).name
            if base == "core.xml":
                return _EMPTY_CORE
            if base == "app.xml":
                return _EMPTY_APP
            if base == "custom.xml":
                return _EMPTY_CUSTOM
        if lower.endswith(".rels"):
            return _LOCAL_TARGET.sub(rb'\1"file:///template.dotx"', content)
        if lower.endswith(".xml"):
            return _PERSON_ATTRIBUTE.sub(_person_attribute, content)
        if lower.endswith(_PICTURE):
            return _picture(name, content)
        return content

    return _repack(package, "DOCX", rewrite)


def _empty_meta(original: bytes) -> bytes:
    found = _ODF_VERSION.search(original)
    version = found.group(1) if found else b"1.2"
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'office:version="' + version + b'"><office:meta/></office:document-meta>'
    )


def clean_odt(data: bytes) -> bytes:
    """`meta.xml` emptied (creator, initial creator, dates, statistics, user fields); the
    authors of annotations and tracked changes anonymised; pictures without EXIF."""
    package = _open_zip(data, "ODT", "content.xml")
    if "mimetype" in package.namelist():
        mimetype = package.read("mimetype").strip()
        if not mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
            raise NotWhatItSays("ODT", f"it is {mimetype[:60]!r}")

    def rewrite(name: str, content: bytes) -> bytes:
        lower = name.lower()
        if lower == "meta.xml":
            return _empty_meta(content)
        if lower.endswith(".xml"):
            content = _ODF_CREATOR.sub(b"\\1" + ANONYMOUS.encode() + b"\\2", content)
            return _ODF_INITIALS.sub(b"\\1" + ANONYMOUS_INITIALS.encode() + b"\\2", content)
        if lower.endswith(_PICTURE):
            return _picture(name, content)
        return content

    return _repack(package, "ODT", rewrite)


# --- plain text ----------------------------------------------------------------------------


def clean_txt(data: bytes) -> bytes:
    """A text file has no metadata; one with NUL bytes (and no UTF-16 mark) is no text."""
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotWhatItSays("TXT", "binary content")
    return data
