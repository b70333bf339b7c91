"""Names made safe for the place they are written to (issue 14).

A file name or a corpus record id is data a user does not control: it may
hold line breaks, quotes, `%`, `,`, `:`, `#`, bidi overrides or bytes that
are no UTF-8 at all (a POSIX name is bytes; Python hands undecodable ones
over as lone surrogates). Each output format reads some of those as syntax,
so each gets its own quoting, all here:

- `visible`: for people (HTML pages, the text format): control, bidi and
  other invisible format characters shown as escapes, never raw.
- `href`: a relative link to a page under the output folder.
- `diff_name`: a name in a ``---``/``+++`` header, quoted as git quotes it.
- `workflow_data` / `workflow_property`: GitHub workflow commands.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

# Characters a reader cannot see, or that reorder what is around them:
# controls (C0, DEL, C1), format characters (bidi embeddings, overrides,
# isolates and marks, zero-width ones), line and paragraph separators,
# and surrogates (undecodable bytes of a file name).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    if unicodedata.category(ch) not in _HIDDEN_CATEGORIES:
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(name: str) -> str:
    """A name as a person may safely see it: every control, bidi or other
    invisible format character written as an escape (``\\u202e``), the
    rest (CJK, accents, emoji) as it is.

    >>> visible("report\\u202etxt.exe")
    'report\\\\u202etxt.exe'
    >>> visible("a\\nb\\x1b[31m\\x85")
    'a\\\\nb\\\\x1b[31m\\\\x85'
    >>> visible("报告 2022.txt")
    '报告 2022.txt'
    """
    if name.isprintable():  # no Cc, Cf, Zl, Zp, Cs (nor Zs but the space)
        return name
    return "".join(_shown(ch) for ch in name)


def _utf8(text: str) -> bytes:
    """The bytes a name stands for: a lone surrogate from a POSIX file name
    is the byte it replaced; any other lone surrogate is kept as CESU bytes
    rather than refused."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return b"".join(
            ch.encode("utf-8", "surrogateescape")
            if not 0xD800 <= ord(ch) <= 0xDFFF or 0xDC80 <= ord(ch) <= 0xDCFF
            else ch.encode("utf-8", "surrogatepass")
            for ch in text
        )


def href(path: str) -> str:
    """A relative link to `path` (a ``/``-separated path under the output
    folder): each segment percent-encoded, so ``#``, ``?``, ``%``, spaces
    and non-ASCII names point at the file, and a ``./`` in front, so no
    name reads as a URL scheme (``javascript:``). "" stays "" (no page).

    >>> href("2022/a b#1?.report.html")
    './2022/a%20b%231%3F.report.html'
    >>> href("javascript:alert(1).report.html")
    './javascript%3Aalert%281%29.report.html'
    >>> href("报告.report.html")
    './%E6%8A%A5%E5%91%8A.report.html'
    """
    if not path:
        return ""
    return "./" + "/".join(quote(_utf8(segment), safe="") for segment in path.split("/"))


# git's quote_c_style (core.quotePath on): these need the name quoted
_C_ESCAPES = {ord("\n"): "\\n", ord("\t"): "\\t", ord('"'): '\\"', ord("\\"): "\\\\"}


def diff_name(prefix: str, name: str) -> str:
    """`prefix` + `name` for a unified diff header, as git writes it.

    A name with a control character, ``"``, ``\\`` or a non-ASCII byte is
    written in double quotes with C escapes (``\\n``, ``\\t``, ``\\"``,
    ``\\\\``, octal ``\\ooo`` for every other such byte), which both
    ``git apply`` and GNU ``patch`` read back: so no name can end its header
    line and start another. A name with a space gets a tab after it, as git
    does, or ``patch`` would cut the name at the space.

    >>> diff_name("a/", "seeds/a.txt")
    'a/seeds/a.txt'
    >>> diff_name("b/", "c.jsonl#x\\n+++ b/victim.txt")
    '"b/c.jsonl#x\\\\n+++ b/victim.txt"\\t'
    >>> diff_name("a/", "é.txt")
    '"a/\\\\303\\\\251.txt"'
    """
    raw = _utf8(prefix + name)
    if all(0x20 <= b < 0x7F and b not in (ord('"'), ord("\\")) for b in raw):
        quoted = raw.decode("ascii")
    else:
        quoted = '"' + "".join(_c_escape(b) for b in raw) + '"'
    return quoted + ("\t" if " " in name else "")


def _c_escape(byte: int) -> str:
    if byte in _C_ESCAPES:
        return _C_ESCAPES[byte]
    if 0x20 <= byte < 0x7F:
        return chr(byte)
    return f"\\{byte:03o}"


def workflow_data(text: str) -> str:
    """Text for the message of a GitHub workflow command (after ``::``).

    >>> workflow_data("100%\\r\\n::error::x")
    '100%25%0D%0A::error::x'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """Text for a property value of a GitHub workflow command
    (``file=...,line=...``): the message escapes, and ``:`` and ``,``.

    >>> workflow_property("a,line=999,title=x:y.txt")
    'a%2Cline=999%2Ctitle=x%3Ay.txt'
    """
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")
