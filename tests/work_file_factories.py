"""Works with their author's name in every metadata field, as Word, LibreOffice, a phone
camera or a PDF printer would leave it; and the checks that none of it is left."""

from __future__ import annotations

import io
import struct
import zipfile

from fpdf import FPDF
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

NAME = "Aruzhan Sadykova"
WORK_TEXT = "The steppe wind remembers us."
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>'
    f'{NAME}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>'
)
# EXIF tags: Artist, Copyright, ImageDescription, XPAuthor (UTF-16), Orientation, GPS.
ARTIST, COPYRIGHT, DESCRIPTION, XP_AUTHOR, ORIENTATION, GPS_IFD = (
    0x013B, 0x8298, 0x010E, 0x9C9D, 0x0112, 0x8825)
RED, BLUE = (220, 30, 30), (30, 30, 220)


def traces(data: bytes) -> list[str]:
    """The forms of the name found in `data`: plain, UTF-16 either way, each half alone."""
    found = []
    for word in (NAME, *NAME.split()):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            if word.encode(encoding) in data:
                found.append(f"{word} ({encoding})")
    return found


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def pdf_traces(data: bytes) -> list[str]:
    """Traces in the raw file and in every object, streams decompressed."""
    found = traces(data)
    reader = PdfReader(io.BytesIO(data))
    for number in range(1, len(reader.xref_objStm) + 2 + max(
            (n for gen in reader.xref.values() for n in gen), default=0)):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: BLE001 - a free slot
            continue
        if obj is None:
            continue
        found += traces(repr(obj).encode())
        if hasattr(obj, "get_data"):
            found += traces(obj.get_data())
    return found


# --- images --------------------------------------------------------------------------------


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ARTIST] = NAME
    exif[COPYRIGHT] = f"(c) {NAME}"
    exif[DESCRIPTION] = f"Photo by {NAME}"
    exif[XP_AUTHOR] = NAME.encode("utf-16-le") + b"\x00\x00"
    exif[ORIENTATION] = orientation
    # Karaganda: latitude 49°48'N, longitude 73°6'E; the processing method names her too.
    exif[GPS_IFD] = {1: "N", 2: (49.0, 48.0, 0.0), 3: "E", 4: (73.0, 6.0, 0.0),
                     27: b"ASCII\x00\x00\x00" + NAME.encode()}
    return exif


def _iptc_segment() -> bytes:
    """An APP13 "Photoshop 3.0" segment with IPTC By-line (2:80) = the name."""
    record = b"\x1c\x02\x50" + struct.pack(">H", len(NAME)) + NAME.encode()
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_name(orientation: int = 6) -> bytes:
    """A 40x20 JPEG, left half red, right half blue, stored to be turned by `orientation`."""
    image = Image.new("RGB", (40, 20), RED)
    image.paste(BLUE, (20, 0, 40, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=_exif(orientation), xmp=XMP.encode(),
               comment=NAME.encode())
    data = out.getvalue()
    return data[:2] + _iptc_segment() + data[2:]


def png_with_name() -> bytes:
    image = Image.new("RGB", (8, 4), RED)
    image.paste(BLUE, (4, 0, 8, 4))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", NAME)
    info.add_text("Comment", f"by {NAME}", zip=True)
    info.add_itxt("Description", f"Photo by {NAME}", lang="en", tkey="Description")
    info.add_itxt("XML:com.adobe.xmp", XMP)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=_exif(1))
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------


def pdf_with_name() -> bytes:
    pdf = FPDF()
    pdf.set_author(NAME)
    pdf.set_creator(f"Word for {NAME}")
    pdf.set_title(f"Essay by {NAME}")
    pdf.set_subject(NAME)
    pdf.set_keywords(NAME)
    pdf.set_xmp_metadata(XMP)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=WORK_TEXT)
    made = bytes(pdf.output())
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(made)))
    writer.add_metadata({"/Author": NAME, "/Producer": f"PDF printer of {NAME}",
                         "/Creator": NAME, "/Title": f"Essay by {NAME}"})
    # A sticky note by the author.
    note = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/T"): TextStringObject(NAME),
        NameObject("/Contents"): TextStringObject("Check the ending"),
    })
    from pypdf.generic import ArrayObject, FloatObject
    note[NameObject("/Rect")] = ArrayObject([FloatObject(10), FloatObject(10), FloatObject(30),
                                             FloatObject(30)])
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(note)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- DOCX ----------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def docx_with_name() -> bytes:
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>'),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}">'
            f'<w:body><w:p><w:commentRangeStart w:id="0"/><w:r><w:t>{WORK_TEXT}</w:t></w:r>'
            f'<w:ins w:id="1" w:author="{NAME}" w:date="2026-12-01T10:00:00Z"><w:r>'
            '<w:t> And the rivers.</w:t></w:r></w:ins><w:commentRangeEnd w:id="0"/>'
            '</w:p></w:body></w:document>'),
        "word/comments.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w="{W}">'
            f'<w:comment w:id="0" w:author="{NAME}" w:date="2026-12-01T10:00:00Z" '
            "w:initials='ASa'><w:p><w:r><w:t>Shorten this?</w:t></w:r></w:p></w:comment>"
            '</w:comments>'),
        "word/people.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:people xmlns:w15='
            f'"{W15}"><w15:person w15:author="{NAME}"><w15:presenceInfo w15:providerId='
            f'"AD" w15:userId="{NAME.replace(" ", ".")}@school.kz"/></w15:person></w15:people>'),
        "word/_rels/settings.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/attachedTemplate" Target="file:///C:\\Users\\'
            f'{NAME}\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm" '
            'TargetMode="External"/></Relationships>'),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
            'terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>Essay by {NAME}</dc:title><dc:subject>{NAME}</dc:subject>'
            f'<dc:creator>{NAME}</dc:creator><cp:keywords>{NAME}</cp:keywords>'
            f'<dc:description>{NAME}</dc:description>'
            f'<cp:lastModifiedBy>{NAME}</cp:lastModifiedBy><cp:revision>3</cp:revision>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2026-12-01T10:00:00Z</dcterms:created>'
            '</cp:coreProperties>'),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://'
            'schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f'<Template>Normal.dotm</Template><Company>{NAME} family</Company>'
            f'<Manager>{NAME}</Manager><Application>Microsoft Office Word</Application>'
            '</Properties>'),
        "docProps/custom.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://'
            'schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://'
            'schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid='
            '"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner"><vt:lpwstr>'
            f'{NAME}</vt:lpwstr></property></Properties>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.comment = NAME.encode()
        for name, text in parts.items():
            package.writestr(name, text.encode())
        package.writestr("word/media/image1.jpeg", jpeg_with_name(1))
    return out.getvalue()


# --- ODT -----------------------------------------------------------------------------------

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODT_NS = (f'xmlns:office="{OFFICE}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')


def odt_with_name() -> bytes:
    parts = {
        "content.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS} '
            'office:version="1.3"><office:body><office:text><text:p>'
            f'<office:annotation><dc:creator>{NAME}</dc:creator><meta:creator-initials>AS'
            '</meta:creator-initials><dc:date>2026-12-01T10:00:00</dc:date><text:p>Shorten?'
            f'</text:p></office:annotation>{WORK_TEXT}</text:p><text:tracked-changes>'
            '<text:changed-region text:id="c1"><text:insertion><office:change-info>'
            f'<dc:creator>{NAME}</dc:creator><dc:date>2026-12-01T10:00:00</dc:date>'
            '</office:change-info></text:insertion></text:changed-region></text:tracked-changes>'
            '</office:text></office:body></office:document-content>'),
        "meta.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODT_NS} '
            'office:version="1.3"><office:meta>'
            f'<meta:initial-creator>{NAME}</meta:initial-creator><dc:creator>{NAME}'
            f'</dc:creator><dc:title>Essay by {NAME}</dc:title><meta:keyword>{NAME}'
            f'</meta:keyword><meta:user-defined meta:name="School">{NAME} school'
            f'</meta:user-defined><meta:generator>LibreOffice</meta:generator>'
            '</office:meta></office:document-meta>'),
        "META-INF/manifest.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
            'vnd.oasis.opendocument.text"/></manifest:manifest>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text",
                         compress_type=zipfile.ZIP_STORED)
        for name, text in parts.items():
            package.writestr(name, text.encode())
        package.writestr("Pictures/photo.png", png_with_name())
    return out.getvalue()
