"""The removal policy: which repeats go and which stay, as a table of rules.

Real documents repeat themselves on purpose far more often than by accident:
laws restate clauses with other figures, specifications repeat field
descriptions, songs have refrains, speakers repeat for emphasis, tables
repeat rows. So a repeat is removed only when it is certainly an accident,
and every other repeat is kept and reported as a finding, with the rule
that kept it. The resolve stage finds the repeat events (aligned copies and
their twins); this module only decides, from an `Event`'s plain features.

Each rule has a code (stable: reports and accept files name it), a name, the
action, the one-line message a report shows, why it is right and the kind
of real document that justifies it. `judge` applies them in table order:
the first rule whose test holds decides.
"""

from __future__ import annotations

import dataclasses  # noqa: F401 (doctests)
import re
from dataclasses import dataclass

from pipeline.settings import Settings

REMOVE, KEEP = "remove", "keep"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    action: str  # REMOVE | KEEP
    message: str
    why: str
    seen_in: str


# fmt: off
RULES: tuple[Rule, ...] = (
    Rule(
        "K1", "twin-removed", KEEP,
        "its twin was itself removed",
        "a removed text cannot vouch for another removal",
        "any document pasted three times with edits between copies",
    ),
    Rule(
        "K2", "author-edit", KEEP,
        "differs from its twin by a word, name, negation or figure",
        "an author restates text with one thing changed: the change is the point",
        "laws (penalty tiers, import/export articles), RFC definitions (TurnOn/TurnOff)",
    ),
    Rule(
        "R1", "whole-copy", REMOVE,
        "most of the document is here a second time (pasted twice)",
        "no author writes the document again after itself; scrapers and copy-paste do",
        "government reports scraped with their text twice (the seed)",
    ),
    Rule(
        "K3", "structured", KEEP,
        "in a table, list, code, diagram or verse, where rows and lines repeat on purpose",
        "a repeated row, line or stanza is content; dropping it breaks the structure",
        "RFC tables and ASCII diagrams, CSV, logs, songs and refrains",
    ),
    Rule(
        "K4", "cut-inside", KEEP,
        "starts or ends inside a word, a number or a sentence",
        "a paste boundary shows at a paragraph or sentence; a cut inside one is a likeness",
        "Markdown tables whose rows share a tail (`| 8 | 1.0 |` after `| 0.8 | 1.0 |`)",
    ),
    Rule(
        "R2", "paste-at-paragraph", REMOVE,
        "pasted again right after itself, across a paragraph break",
        "a paragraph's tail or last sentence pasted again as the next paragraph",
        "government work reports, regulations and RFCs (labelled accidents)",
    ),
    Rule(
        "K5", "said-again", KEEP,
        "said again right after itself, inside a paragraph or too short to be a paste",
        "speakers, characters and specifications repeat themselves on purpose ('Of course "
        "we should. Of course we should.'); a long sentence doubled in place in an RFC "
        "was an accident once and the author's text in another",
        "speeches, novels, plays, RFCs",
    ),
    Rule(
        "R3", "far-repeat-removed", REMOVE,
        "a long repeat of an earlier passage (far-repeats = remove)",
        "chosen by configuration for corpora known to hold only pastes",
        "bulk text known to be free of quotation and restatement",
    ),
    Rule(
        "K6", "far-repeat", KEEP,
        "repeats an earlier passage away from it: a quotation, a restated clause, a refrain",
        "far repeats in real documents are nearly all the author's; accept one to remove it",
        "laws, specifications, books and licences",
    ),
    Rule(
        "R4", "accepted", REMOVE,
        "accepted by a reviewer (its finding id is in the accept list)",
        "a person read the finding and agreed it is an accident",
        "any",
    ),
    Rule(
        "R5", "other-document", REMOVE,
        "repeats a document before it (run --across)",
        "asked for: a batch that keeps each text once",
        "yearly batches holding a report saved twice, or last year's section",
    ),
    Rule(
        "R6", "duplicate-document", REMOVE,
        "the whole document is a copy of an earlier one (exactly, or but for a few typos)",
        "a corpus holds the same record twice far more often than by design; its figures "
        "must agree, and the earlier copy stays",
        "scraped corpora and JSONL datasets: the same page or paragraph saved twice",
    ),
    Rule(
        "K7", "allowed", KEEP,
        "allowed by configuration",
        "the team says these lines repeat on purpose",
        "any",
    ),
)
# fmt: on
RULE = {rule.code: rule for rule in RULES}
BY_NAME = {rule.name: rule for rule in RULES}


@dataclass(frozen=True)
class Event:
    """What the policy knows of one repeat event: a copy and its twin.

    Character counts are of the matching key (white space aside). `gap` is
    the text between the twin's end and the copy's start when only white
    space lies between them (the copy was pasted right after its twin, or
    right after the removal it continues), else None; a blank line in it, or
    a line break after a line too long to be a wrapped one, is a paragraph
    break. `copy` is the copy's
    text, `before` and `after` the characters around it; `copy_lines` and
    `twin_lines` are the whole lines each occurrence touches.
    """

    chars: int
    distinct_chars: int
    gap: str | None
    follows_removal: bool
    copy: str
    before: str
    after: str
    copy_lines: str
    twin_lines: str
    twin_starts_paragraph: bool
    far_why: str  # why the thorough policy would keep it ("" if it would remove it)
    exact: bool = True  # the keys of copy and twin are equal
    edits: int = 0  # places where a near copy differs from its twin
    systematic: bool = False  # one change made at two places or more
    after_whole_copy: bool = False  # continues a removed copy of the document
    twin_text: str = ""  # the twin itself


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    detail: str = ""

    @property
    def removed(self) -> bool:
        return self.rule.action == REMOVE

    @property
    def reason(self) -> str:
        return f"{self.rule.message} ({self.detail})" if self.detail else self.rule.message


def judge(event: Event, settings: Settings) -> Verdict:
    """The verdict on one repeat event: the first rule of the table that holds.

    >>> text = " ".join(f"Item {i} of the report." for i in range(20))
    >>> e = Event(300, 300, "\\n", False, text, "\\n", "", text, text, True, "", twin_text=text)
    >>> judge(e, Settings()).rule.name
    'whole-copy'
    >>> e = Event(30, 900, "\\n\\n", False, "Thank you.", "\\n\\n", "\\n", "Thank you.",
    ...           "Thank you.", True, "too short")
    >>> judge(e, Settings()).rule.name
    'said-again'
    """
    adjacent = event.gap is not None or event.follows_removal
    if adjacent and whole_copy(event, settings):
        # (the twin, as the author laid it out: a copy may be re-wrapped)
        if _mostly_structured(event.twin_lines):
            return Verdict(RULE["K3"], "a table, log or listing twice over")
        noisy = event.edits >= _NOISE_EDITS and not event.systematic
        if event.exact or noisy or typos_only(event.twin_text, event.copy):
            return Verdict(RULE["R1"])
        # a few changes, or one change made throughout, are a revision
        why = "one change made throughout" if event.systematic else f"{event.edits} changes"
        return Verdict(RULE["K2"], f"{why}: a revision, not noise")
    if adjacent and not event.exact:
        return Verdict(RULE["K2"], "a paste right after its twin is removed only when exact")
    if adjacent:
        if _mostly_structured(event.copy_lines) or _mostly_structured(event.twin_lines):
            return Verdict(RULE["K3"])
        if not (clean_start(event.before, event.copy) and clean_end(event.copy, event.after)):
            return Verdict(RULE["K4"])
        if event.gap is not None and (
            paragraph_break(event.gap) or ("\n" in event.gap and _unwrapped(event.twin_lines))
        ):
            need = settings.min_paste_chars
            if event.twin_starts_paragraph:
                # a whole paragraph said twice: a refrain unless long
                need = max(need, settings.min_paragraph_paste_chars)
            if event.chars >= need:
                return Verdict(RULE["R2"])
            return Verdict(RULE["K5"], f"{event.chars} characters, under {need}")
        return Verdict(RULE["K5"], "no paragraph break between the copies")
    if settings.far_repeats == "remove":
        return Verdict(RULE["K6"], event.far_why) if event.far_why else Verdict(RULE["R3"])
    return Verdict(RULE["K6"])


_TOKEN = re.compile(r"[A-Za-z]+|\d+|\w|\S")


def typos_only(twin: str, copy: str) -> bool:
    """True when every word where the copy differs from its twin is a typo
    of that word: a Latin word of four letters or more, one letter off (or
    two swapped). A word put in, taken out or swapped (shall / shall not, Mr / Ms,
    including / excluding, 合法 / 非法) is a revision.

    >>> typos_only('<a name="s4">', '<a nam="s4">'), typos_only("It shall go.", "It shall not go.")
    (True, False)
    >>> typos_only("encrypt", "decrypt"), typos_only("the record", "the rceord")
    (False, True)
    >>> typos_only("Mr. Lee", "Ms. Lee"), typos_only("行为合法", "行为非法")
    (False, False)
    """
    from rapidfuzz.distance import OSA, Indel

    a, b = _TOKEN.findall(twin), _TOKEN.findall(copy)
    blocks: list[tuple[list[str], list[str]]] = []
    open_block = False
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            open_block = False
            continue
        if not open_block:
            blocks.append(([], []))
            open_block = True
        blocks[-1][0].extend(a[op.src_start : op.src_end])
        blocks[-1][1].extend(b[op.dest_start : op.dest_end])
    for old, new in blocks:
        if len(old) != 1 or len(new) != 1:
            return False
        if not (old[0].isalpha() and old[0].isascii() and new[0].isalpha() and new[0].isascii()):
            return False
        if len(old[0]) < 4 or OSA.distance(old[0], new[0]) > 1:
            return False
    return True


def whole_copy(event: Event, settings: Settings) -> bool:
    """True when the copy is most of the document, in whole lines, right
    after its twin: the document (with its header) pasted again.

    >>> copy = "".join(f"Report line {i}.\\n" for i in range(20))
    >>> e = Event(280, 300, "\\n", False, copy, "", "", copy, copy, True, "", twin_text=copy)
    >>> glued = dataclasses.replace(e, gap=" ", before="and the", twin_starts_paragraph=False)
    >>> onto_own_end = dataclasses.replace(glued, twin_starts_paragraph=True)
    >>> [whole_copy(event, Settings()) for event in (e, glued, onto_own_end)]
    [True, False, True]
    """
    # the copy starts a line, or is glued onto the twin's last sentence, or
    # starts where its twin starts a paragraph (the document glued onto its
    # own end: "...last words.First words...")
    starts = (
        event.follows_removal
        or (event.gap is not None and "\n" in event.gap)
        or clean_start(event.before, event.copy)
        or event.twin_starts_paragraph
    )
    ends_line = not event.after.split("\n", 1)[0].strip()
    # the document starts a paragraph: a twin that starts inside one is a
    # sentence said again and again, however much of a short text it is
    twin_is_document = (event.twin_starts_paragraph or event.follows_removal) and not _periodic(
        event.twin_text
    )
    # what was pasted is a document's worth of text, and the copy is a few
    # of it: one line said on every line of a log is not a document pasted
    twin_chars = len("".join(event.twin_text.split()))
    return (
        starts
        and ends_line
        and twin_is_document
        and (
            event.chars >= settings.min_whole_copy_chars
            and event.chars >= settings.whole_copy_share * event.distinct_chars
            and twin_chars >= settings.min_whole_copy_chars
            and event.chars <= _MOST_COPIES * twin_chars
            # one more copy of the document, cut short
            or event.after_whole_copy
            and event.chars >= settings.min_paste_chars
        )
    )


def _periodic(text: str) -> bool:
    """True when the text is one piece said over and over (white space
    aside): a refrain or a sentence repeated for emphasis, not a document.

    >>> _periodic("Of course we should. Of course we should."), _periodic("A b. A c.")
    (True, False)
    """
    key = "".join(text.split())
    return bool(key) and (key + key).find(key, 1) < len(key)


def _mostly_structured(text: str) -> bool:
    """True when most of the text, by characters, is laid out as rows or
    lines: table rows, code, list items, CSV, verse. A report's title and
    numbered headings above its paragraphs do not make it a table.

    >>> _mostly_structured("a | b\\nc | d\\nprose here.")
    True
    >>> _mostly_structured("Annual Report\\n1. Plans\\n" + "The council met and agreed. " * 9)
    False
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    rows = sum(len(line) for line in lines if _STRUCTURE.search(line) or _csv_row(line))
    return 2 * rows > sum(len(line) for line in lines) or _verse(lines)


# A document pasted again is pasted a few times, not dozens: a copy longer
# than this many twins is a line or block said over and over (a log).
_MOST_COPIES = 3
# A near copy of most of the document is noise (typos, damage) when its
# differences are spread over at least this many places.
_NOISE_EDITS = 3
# Sentence ends: full stops, colons and semicolons of both widths, then any
# closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?。！？:：;；…]['\"’”」』）)\]]*\s*$")
_STRUCTURE = re.compile(
    r"[|\t]"  # table cells, tab-separated values
    r"|\S {3,}\S"  # columns aligned with spaces
    r"|[\u2500-\u257f]"  # box drawing
    r"|\+[-=]{2,}|[-=]{4,}|::=|[{}<>]|[A-Za-z0-9_]\(|^\s*(?:[-*+#>]|\d+[.)])\s",
    re.MULTILINE,
)


# A full stop that ends an initial or a common abbreviation, not a sentence.
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:[A-Za-z]|Mr|Mrs|Ms|Dr|St|No|vs|etc|e\.g|i\.e|cf)\.$")


def structured(text: str) -> bool:
    """True for text laid out as rows or lines: tables, code, lists, verse.

    >>> structured("| gap | 8 | 1.0000 |"), structured("The council funded it.")
    (True, False)
    >>> structured("Row, row, row your boat\\nGently down the stream,\\n")
    True
    """
    if _STRUCTURE.search(text):
        return True
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return any(_csv_row(line) for line in lines) or _verse(lines)


def _verse(lines: list[str]) -> bool:
    """True for lines broken after a few words: verse, lists, short rows.
    Prose wraps at 60-80 columns, or runs one paragraph a line: a line
    longer than any wrap (the last one included) is prose.

    >>> _verse(["Row, row, row your boat", "Gently down the stream,"])
    True
    >>> _verse(["Annual Report", "1. Plans", "The council met and agreed. " * 9])
    False
    """
    if len(lines) < 2:
        return False
    widths = sorted(display_width(line.strip()) for line in lines[:-1])
    longest = max(widths[-1], display_width(lines[-1].strip()))
    return widths[len(widths) // 2] < 50 and longest <= _WRAP_COLUMNS


def _csv_row(line: str) -> bool:
    """True for a line of comma-separated values: three commas or more,
    most of them not followed by a space as prose would have it.

    >>> _csv_row('2024-03-04,INV-1,"chair",1,129.00'), _csv_row("a, b, c, and d")
    (True, False)
    >>> _csv_row("健全执法机制,深入落实,提升水平,推进建设。")
    False
    """
    commas = line.count(",")
    if commas < 3 or 2 * line.count(", ") >= commas:
        return False
    # CJK prose puts half-width commas without spaces too
    cjk = sum(1 for c in line if c.isalpha() and not c.isascii())
    return 3 * cjk < len(line)


def display_width(text: str) -> int:
    """Columns a line takes: CJK characters count two.

    >>> display_width("海关ab")
    6
    """
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _inside_token(left: str, right: str) -> bool:
    """True when a cut between characters left and right splits a word or
    a number (Latin letters and digits; a digit's . or , included)."""
    return (left.isalnum() and right.isalnum() and (left.isascii() or right.isascii())) or (
        (left.isdigit() and right in ".,") or (left in ".," and right.isdigit())
    )


def clean_start(before: str, copy: str) -> bool:
    """True when a copy starts where a paragraph or a sentence starts.

    >>> clean_start("said so. ", "Then"), clean_start("0.", "8 | 1.0")
    (True, False)
    >>> clean_start("第三十一条 ", "经鉴定"), clean_start("处理", "经鉴定")
    (True, False)
    >>> clean_start("used with\\n   ", "sessions.")
    False
    """
    if not copy.strip():
        return False
    tail = before.rstrip()
    if not tail or paragraph_break(before[len(tail) :]):
        return True
    if _inside_token(before[-1:], copy[:1]):
        return False
    # after a sentence end (not an initial or an abbreviation), or after an
    # article number (第三十一条, 5.2.)
    return (bool(_SENTENCE_END.search(tail)) and not _ABBREVIATION.search(tail)) or (
        before[-1:].isspace() and bool(re.search(r"(第\S+条|\d+(\.\d+)*\.?)$", tail))
    )


def clean_end(copy: str, after: str) -> bool:
    """True when a copy ends where a sentence or a paragraph ends.

    >>> clean_end("It works.", " Then"), clean_end("| 0.", "8 |")
    (True, False)
    >>> clean_end("Heading", "\\n\\nText"), clean_end("used with", "\\n   sessions.")
    (True, False)
    """
    body = copy.rstrip()
    if not body:
        return False
    if not after.strip() or paragraph_break(
        copy[len(body) :] + after[: len(after) - len(after.lstrip())]
    ):
        return True
    return bool(_SENTENCE_END.search(body)) and not _inside_token(body[-1], after[:1])


# Hard-wrapped text breaks its lines at 72-80 columns; a longer line is a
# whole paragraph, and the line break after it a paragraph break.
_WRAP_COLUMNS = 100


def _unwrapped(lines: str) -> bool:
    """True when the text is laid out a paragraph per line: one of its lines
    is longer than any wrap, so no line of it was wrapped (a short last
    line is then a short paragraph, not the end of a wrapped one).

    >>> long_line = "　　" + "海关总署推进法治建设。" * 6
    >>> _unwrapped("短句。"), _unwrapped(long_line), _unwrapped(long_line + "\\n短句。")
    (False, True, True)
    """
    return any(display_width(line.strip()) > _WRAP_COLUMNS for line in lines.split("\n"))


def paragraph_break(gap: str) -> bool:
    """True when the white space between two texts holds a blank line.

    >>> paragraph_break("\\n\\n   "), paragraph_break("  "), paragraph_break("\\n")
    (True, False, False)
    """
    return gap.count("\n") >= 2
