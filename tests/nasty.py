"""The corpus of nasty inputs, and what clean-docs must do with each.

    python tests/nasty.py write tests/data/nasty   # (re)generate the files
    python tests/nasty.py table                    # the README table

Every file in `tests/data/nasty/` comes from `FILES` below (the suite checks
that the committed files are exactly what this script writes); inputs too
big or too odd to commit (a 10 MB line, a 1 GB file, a symlink loop, an
unreadable file) are made by the tests in a temporary folder. `KINDS` lists
every kind tried with its expected outcome; the tests check each outcome and
the README table is printed from the same list.
"""

from __future__ import annotations

import codecs
import io
import sys
import zipfile
from dataclasses import dataclass

_ZH = (
    "2022年海关总署法治政府建设年度报告\n\n"
    "海关总署坚持以习近平新时代中国特色社会主义思想为指导，全面推进法治海关建设。"
    "一是完善海关法律制度，加快推进《海关法》修订，提升立法质量和效率。\n"
    "二是健全海关执法机制，聚焦重点领域加大执法力度，规范执法行为。\n"
)
_ZH_TRAD = (
    "一九五四年政府工作報告\n\n"
    "我們第一屆全國人民代表大會第一次會議，在聽了劉少奇同志關於憲法草案的報告"
    "並進行了三天的討論以後，已經光榮地完成了一件歷史性的工作。\n"
)
_EN = (
    "Annual Report of the Département, 2022\n\n"
    "The agency’s café programme — “naïve” façades and déjà vu — reached 1,204 residents.\n"
    "Regional offices modernized vocational training across every region.\n"
)
_TWICE = _ZH + _ZH


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # a fixed date, so the bytes are the same on every run
        archive.writestr(zipfile.ZipInfo("report.txt", (2022, 1, 1, 0, 0, 0)), _ZH)
    return out.getvalue()


# name -> bytes; every name ends in .txt so a folder walk picks it up.
FILES: dict[str, bytes] = {
    "utf8.txt": _TWICE.encode("utf-8"),
    "utf8_bom.txt": codecs.BOM_UTF8 + _TWICE.encode("utf-8"),
    "utf16le_bom.txt": codecs.BOM_UTF16_LE + _TWICE.encode("utf-16-le"),
    "utf16be_bom.txt": codecs.BOM_UTF16_BE + _TWICE.encode("utf-16-be"),
    "gb18030.txt": _TWICE.encode("gb18030"),
    "gbk.txt": _TWICE.encode("gbk"),
    "big5.txt": (_ZH_TRAD + _ZH_TRAD).encode("big5"),
    "cp1252.txt": (_EN + _EN).encode("cp1252"),
    "latin1.txt": "Ångström über Straße, déjà vu à la française.\n".encode("latin-1") * 3,
    "undecodable.txt": bytes(range(0x80, 0x100)) * 4,
    "ambiguous_gbk_big5.txt": "报告".encode("gbk"),
    "mojibake_line.txt": (
        _EN + "The café’s déjà vu, a naïve façade.".encode().decode("cp1252") + "\n"
    ).encode("utf-8"),
    "crlf.txt": _TWICE.replace("\n", "\r\n").encode("utf-8"),
    "cr_only.txt": _TWICE.replace("\n", "\r").encode("utf-8"),
    "mixed_endings.txt": _ZH.replace("\n", "\r\n").encode("utf-8") + _ZH.encode("utf-8"),
    "nul_bytes.txt": _ZH.replace("。", "。\x00", 1).encode("utf-8"),
    "controls_c0_c1.txt": (
        _EN.replace("agency", "agen\x07cy\x1b").replace("2022", "20\x8522")
    ).encode("utf-8"),
    "zero_width.txt": _ZH.replace("海关", "海\u200b关\ufeff").encode("utf-8"),
    "html_injection.txt": (
        "<script>alert(1)</script></textarea><b>bold</b> & &amp; \n" * 2 + _ZH * 2
    ).encode("utf-8"),
    "empty.txt": b"",
    "whitespace_only.txt": " \t\n\u3000\n\r\n".encode("utf-8"),
    "pdf_named.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "png_named.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01",
    "zip_named.txt": _zip(),
    "elf_named.txt": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,
    "pe_named.txt": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48,
    "name with spaces.txt": _TWICE.encode("utf-8"),
    "报告 2022 非ASCII.txt": _TWICE.encode("utf-8"),
    "-leading-dash.txt": _TWICE.encode("utf-8"),
}


@dataclass(frozen=True)
class Kind:
    """One kind of input: how it is made and what must happen to it."""

    kind: str
    made_by: str
    outcome: str  # as shown in the README
    error: str | None = None  # a part of the one-line error, when refused
    encoding: str | None = None  # the encoding recorded, when read


KINDS: list[Kind] = [
    Kind("UTF-8", "utf8.txt", "read as utf-8, repeat removed", encoding="utf-8"),
    Kind("UTF-8 with BOM", "utf8_bom.txt", "read as utf-8-sig", encoding="utf-8-sig"),
    Kind("UTF-16 LE with BOM", "utf16le_bom.txt", "read as utf-16", encoding="utf-16"),
    Kind("UTF-16 BE with BOM", "utf16be_bom.txt", "read as utf-16", encoding="utf-16"),
    Kind("GB18030", "gb18030.txt", "detected gb18030", encoding="gb18030"),
    Kind("GBK", "gbk.txt", "detected gb18030 (a superset)", encoding="gb18030"),
    Kind("Big5", "big5.txt", "detected big5", encoding="big5"),
    Kind("Windows-1252", "cp1252.txt", "detected cp1252", encoding="cp1252"),
    Kind("Latin-1", "latin1.txt", "detected cp1252 (same letters)", encoding="cp1252"),
    Kind(
        "bytes no encoding reads cleanly",
        "undecodable.txt",
        "refused: not UTF-8, and not readable as GB18030, Big5 or Windows-1252",
        error="not readable as GB18030, Big5 or Windows-1252",
    ),
    Kind(
        "too short to tell GBK from Big5",
        "ambiguous_gbk_big5.txt",
        "refused: could be gb18030 or big5 (force one with --encoding)",
        error="could be gb18030 or big5",
    ),
    Kind("forced encoding", "gbk.txt --encoding gbk", "read as gbk", encoding="gbk"),
    Kind(
        "a line of mojibake", "mojibake_line.txt", "repaired, listed under fixes", encoding="utf-8"
    ),
    Kind(
        "CRLF line ends", "crlf.txt", "output with \\n; input line numbers kept", encoding="utf-8"
    ),
    Kind("lone CR line ends", "cr_only.txt", "output with \\n", encoding="utf-8"),
    Kind("mixed line ends", "mixed_endings.txt", "output with \\n", encoding="utf-8"),
    Kind("NUL bytes", "nul_bytes.txt", "NUL removed, listed under fixes", encoding="utf-8"),
    Kind(
        "C0 and C1 controls", "controls_c0_c1.txt", "removed, listed under fixes", encoding="utf-8"
    ),
    Kind(
        "zero-width characters", "zero_width.txt", "removed, listed under fixes", encoding="utf-8"
    ),
    Kind(
        "`<script>`, `</textarea>` in text",
        "html_injection.txt",
        "escaped in the HTML report",
        encoding="utf-8",
    ),
    Kind("empty file", "empty.txt", "refused: empty file", error="empty file"),
    Kind(
        "white space only",
        "whitespace_only.txt",
        "refused: holds only white space",
        error="holds only white space",
    ),
    Kind("PDF", "pdf_named.txt", "refused: looks like a PDF file", error="a PDF file"),
    Kind("PNG", "png_named.txt", "refused: looks like a PNG image", error="a PNG image"),
    Kind("zip", "zip_named.txt", "refused: looks like a zip archive", error="a zip archive"),
    Kind(
        "ELF executable",
        "elf_named.txt",
        "refused: looks like an executable (ELF)",
        error="an executable (ELF)",
    ),
    Kind(
        "PE executable",
        "pe_named.txt",
        "refused: looks like an executable (PE)",
        error="an executable (PE)",
    ),
    Kind("name with spaces", "name with spaces.txt", "processed", encoding="utf-8"),
    Kind("non-ASCII name", "报告 2022 非ASCII.txt", "processed", encoding="utf-8"),
    Kind(
        "name with a leading dash",
        "-leading-dash.txt",
        "processed (also given after `--`)",
        encoding="utf-8",
    ),
    Kind(
        "a 10 MB single line",
        "made in the test",
        "processed, its repeat found (about 10 s, 0.8 GB)",
    ),
    Kind(
        "a 1 GB file",
        "made in the test (sparse)",
        "refused before reading: over the 16 MB limit per file",
        error="MB limit per file",
    ),
    Kind(
        "unreadable file",
        "made in the test (chmod 000)",
        "refused: permission denied",
        error="permission denied",
    ),
    Kind(
        "symlink loop",
        "made in the test",
        "refused: too many levels of symbolic links",
        error="symbolic links",
    ),
    Kind(
        "folder with no text files",
        "made in the test",
        "refused: no text files found in this folder",
        error="no text files",
    ),
    Kind(
        "-o inside the input folder",
        "made in the test",
        "refused, nothing written",
        error="refusing to write into the input",
    ),
    Kind(
        "output folder not writable",
        "made in the test",
        "exit 2, cannot write",
        error="cannot write",
    ),
    Kind(
        "disk full while writing",
        "made in the test (ENOSPC)",
        "exit 2, no partial file",
        error="cannot write",
    ),
]


def write(folder: str) -> None:
    from pathlib import Path

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for name, blob in FILES.items():
        (root / name).write_bytes(blob)


def table() -> str:
    rows = ["| kind | input | outcome |", "|---|---|---|"]
    rows += [f"| {k.kind} | `{k.made_by}` | {k.outcome} |" for k in KINDS]
    return "\n".join(rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["write"] and len(sys.argv) == 3:
        write(sys.argv[2])
    elif sys.argv[1:] == ["table"]:
        print(table())
    else:
        raise SystemExit(__doc__)
