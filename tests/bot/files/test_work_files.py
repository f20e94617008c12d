"""Works lose their author's name on the way to the jury: each format with the name in every
metadata field goes in, no trace of it comes out, and the work itself is kept."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.files.work_files import NotWhatItSays, clean, file_format
from storage.contest_models import EntryContent
from tests.work_file_factories import (
    BLUE,
    RED,
    WORK_TEXT,
    docx_with_name,
    jpeg_with_name,
    members,
    odt_with_name,
    pdf_traces,
    pdf_with_name,
    png_with_name,
    traces,
)


def near(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def test_the_samples_do_carry_the_name():
    """Otherwise the tests below would prove nothing."""
    assert traces(jpeg_with_name()) and traces(png_with_name())
    assert pdf_traces(pdf_with_name())
    for package in (docx_with_name(), odt_with_name()):
        assert any(traces(content) for content in members(package).values())


def test_jpeg_file_loses_exif_gps_xmp_iptc_and_is_turned_upright():
    original = jpeg_with_name(orientation=6)

    cleaned = clean(EntryContent.IMAGE_FILE, "me.JPG", original)

    assert traces(cleaned) == []
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and "xmp" not in image.info and "exif" not in image.info
        # Orientation 6 means "turn 90° clockwise to view": the 40x20 photo stands 20x40,
        # red (the left half) now on top.
        assert image.size == (20, 40)
        assert near(image.getpixel((10, 5)), RED) and near(image.getpixel((10, 35)), BLUE)


def test_photo_sent_as_a_photo_is_cleaned_too():
    cleaned = clean(EntryContent.PHOTO, None, jpeg_with_name(orientation=1))
    assert traces(cleaned) == []
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (40, 20)


def test_png_file_loses_its_text_chunks_and_exif_and_keeps_every_pixel():
    original = png_with_name()

    cleaned = clean(EntryContent.IMAGE_FILE, "dawn.png", original)

    assert traces(cleaned) == []
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(cleaned)) as after:
        assert after.format == "PNG" and not after.text and not after.getexif()
        assert after.tobytes() == before.tobytes()


def test_pdf_loses_document_information_xmp_and_note_authors_and_keeps_the_text():
    cleaned = clean(EntryContent.DOCUMENT, "Essay.PDF", pdf_with_name())

    reader = PdfReader(io.BytesIO(cleaned))
    assert pdf_traces(cleaned) == []
    assert reader.metadata is None and reader.xmp_metadata is None
    assert WORK_TEXT in reader.pages[0].extract_text()
    # The note stays, without its author.
    (note,) = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert note["/Contents"] == "Check the ending" and "/T" not in note


def test_docx_loses_properties_comment_and_revision_authors_and_keeps_the_text():
    original = docx_with_name()

    cleaned = clean(EntryContent.DOCUMENT, "essay.docx", original)

    parts = members(cleaned)
    assert {name: traces(content) for name, content in parts.items() if traces(content)} == {}
    assert traces(cleaned) == []
    assert list(parts) == list(members(original))
    assert WORK_TEXT.encode() in parts["word/document.xml"]
    assert b'w:author="Author"' in parts["word/comments.xml"]
    assert b'w:initials="A"' in parts["word/comments.xml"]
    assert b"Shorten this?" in parts["word/comments.xml"]
    assert zipfile.ZipFile(io.BytesIO(cleaned)).comment == b""
    with Image.open(io.BytesIO(parts["word/media/image1.jpeg"])) as picture:
        assert not picture.getexif() and picture.size == (40, 20)


def test_odt_loses_meta_and_annotation_authors_and_keeps_the_text():
    original = odt_with_name()

    cleaned = clean(EntryContent.DOCUMENT, "essay.odt", original)

    parts = members(cleaned)
    assert {name: traces(content) for name, content in parts.items() if traces(content)} == {}
    assert WORK_TEXT.encode() in parts["content.xml"]
    assert b'office:version="1.3"' in parts["meta.xml"]
    # mimetype stays the first member, stored, as ODF requires.
    first = zipfile.ZipFile(io.BytesIO(cleaned)).infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)


def test_text_file_is_kept_as_it_is():
    text = "Біз өзімізге қарай көшеміз.\n".encode()
    assert clean(EntryContent.DOCUMENT, "essay.txt", text) == text


@pytest.mark.parametrize(("content", "file_name", "data", "format"), [
    (EntryContent.DOCUMENT, "essay.docx", b"not a zip at all", "DOCX"),
    (EntryContent.DOCUMENT, "essay.docx", None, "DOCX"),  # a zip, but no word/document.xml
    (EntryContent.DOCUMENT, "essay.odt", None, "ODT"),
    (EntryContent.DOCUMENT, "essay.pdf", b"MZ\x90\x00 an executable", "PDF"),
    (EntryContent.DOCUMENT, "essay.pdf", b"%PDF-1.4\ngarbage without objects", "PDF"),
    (EntryContent.DOCUMENT, "essay.txt", b"MZ\x90\x00\x03\x00\x00\x00", "TXT"),
    (EntryContent.IMAGE_FILE, "dawn.png", b"\x89PNG not really", "PNG"),
    (EntryContent.IMAGE_FILE, "dawn.png", "jpeg", "PNG"),  # a JPEG named .png
    (EntryContent.PHOTO, None, b"GIF89a", "JPEG or PNG"),
])
def test_a_file_that_is_not_what_it_says_is_refused(content, file_name, data, format):
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as package:
            package.writestr("notes.xml", b"<a/>")
        data = out.getvalue()
    elif data == "jpeg":
        data = jpeg_with_name()

    with pytest.raises(NotWhatItSays) as refused:
        clean(content, file_name, data)

    assert refused.value.format == format == file_format(content, file_name)
