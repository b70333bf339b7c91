"""Repetition an author writes on purpose is kept; only accidents go.

By default the tool removes two kinds of repeat and nothing else:

* a copy of a large stretch: the whole document (or most of it) present
  twice or more, exactly or with noise (typos, spacing, line wraps) spread
  through the copy;
* prose pasted again right after itself where the paste shows at a
  paragraph boundary: a paragraph, or its tail, pasted again as the next
  paragraph, or a long sentence doubled across a paragraph break.

Every other repeat is the author's: laws whose articles differ in a figure
or a word, specifications that describe a field once per message, a song's
chorus, a message relayed verbatim, a table's rows, a log's tracebacks.
Those are kept, and reported as findings. Each test below writes a small
document of one such kind, with repeats of the length real documents have
(a few hundred characters: short toy strings would not show anything).

`assert_kept(text, *parts)` states the rule for one document: nothing of
any occurrence of each part is removed, the output is the cleaned input,
and a prose part of 40 characters or more is reported where it repeats
(table rows, borders and short headings may go unreported: their repeats
are the table's shape, not a finding worth a reader's time).
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from functools import cache

import pytest

from pipeline import dedupe_text as _dedupe_text
from pipeline.model import Result


@cache
def dedupe_text(text: str) -> Result:
    """The tool's result, once per text (the property test runs it again)."""
    return _dedupe_text(text)


# A part is one string that occurs at least twice, or a tuple of the
# variants an author wrote (TurnOn / TurnOff), which occur once or more each.
Part = str | tuple[str, ...]


def _occurrences(text: str, part: Part) -> list[tuple[int, int]]:
    spans = set()
    for variant in (part,) if isinstance(part, str) else part:
        assert variant, "empty part"
        at = text.find(variant)
        while at != -1:
            spans.add((at, at + len(variant)))
            at = text.find(variant, at + 1)
    return sorted(spans)


def _show(text: str, repeats) -> str:
    return "\n".join(
        f"  [{r.span.start}, {r.span.end}) {r.reason or 'removed'}: {text[r.span.start : r.span.end]!r:.160}"
        for r in repeats
    )


def assert_kept(text: str, *parts: Part) -> None:
    """Nothing of `parts` (every occurrence) is removed, nothing else either,
    and each prose part of 40 characters or more is a finding where it repeats."""
    result = dedupe_text(text)
    cleaned = result.cleaned.text
    removed = result.removed
    for part in parts:
        spans = _occurrences(cleaned, part)
        assert len(spans) >= 2, f"the test's part does not repeat: {part!r:.80}"
        hit = [r for r in removed if any(r.span.start < e and s < r.span.end for s, e in spans)]
        assert not hit, f"removed an author's repeat:\n{_show(cleaned, hit)}"
    assert not removed, f"removed text that should stay:\n{_show(cleaned, removed)}"
    assert result.kept_text == cleaned
    for part in parts:
        shortest = min((part,) if isinstance(part, str) else part, key=len)
        if len(shortest) < 40 or "|" in shortest or "+--" in shortest:
            continue
        s, e = _occurrences(cleaned, part)[1]
        assert any(r.span.start < e and s < r.span.end for r in result.findings), (
            f"the repeat of {part!r:.60} is not reported; findings:\n"
            f"{_show(cleaned, result.findings)}"
        )


def _doc(*paragraphs: str) -> str:
    """Paragraphs separated by a blank line, ending in a newline."""
    return "\n\n".join(p.strip("\n") for p in paragraphs) + "\n"


# ---------------------------------------------------------------------------
# Filler: unrelated paragraphs that put a repeat far from its twin.

ZH_FILLER = (
    "第二十一条　县级以上地方人民政府应当将农村供水工程建设纳入国民经济和社会发展规划，统筹安排建设资金，优先解决人口集中地区和水质不达标地区群众的饮水问题。",
    "第二十二条　供水单位应当建立水质检测制度，按照规定的项目和频次对出厂水和管网末梢水进行检测，并将检测结果按月报送所在地卫生健康主管部门。",
    "第二十三条　任何单位和个人不得擅自改装、拆除或者迁移公共供水设施；确需改装、拆除或者迁移的，应当事先与供水单位协商，并承担由此产生的费用。",
)

EN_FILLER = (
    "The survey team spent the first week of April walking the eastern bank, where the\n"
    "erosion had cut nearly two metres into the path since the previous winter. Most of\n"
    "the damage lay downstream of the old mill race.",
    "Volunteers from the rowing club cleared fallen willows from the channel on two\n"
    "Saturdays, which let the survey boat reach the weir for the first time in three\n"
    "years and take depth readings along the whole reach.",
    "The council's engineer visited on the twelfth and agreed that the gabions placed in\n"
    "2009 have held, although the wire of the lowest course has begun to rust through\n"
    "in places and will need replacing within five years.",
)


# ---------------------------------------------------------------------------
# Laws (Chinese)

_TIER = (
    "第三十{a}条　违反本条例第十{b}条规定，药品经营企业在储存、运输过程中未按照规定的温度、湿度条件保存药品，"
    "或者未建立并执行药品出入库复核制度的，由县级以上地方人民政府药品监督管理部门责令限期改正，给予警告；"
    "逾期不改正的，没收违法储存、运输的药品和违法所得，并处违法所得百分之{p}以上百分之{q}以下的罚款；"
    "没有违法所得或者违法所得难以计算的，处{lo}元以上{hi}元以下的罚款；情节严重的，责令停业整顿。"
)
TIER_1 = _TIER.format(a="一", b="二", p="二十", q="五十", lo="五百", hi="五千")
TIER_2 = _TIER.format(a="二", b="四", p="五十", q="八十", lo="五千", hi="五万")

LAW_TIERS = _doc(
    "第五章　法律责任",
    "第三十条　违反本条例规定，未取得药品经营许可证经营药品的，依照《中华人民共和国药品管理法》的规定处罚。",
    TIER_1,
    TIER_2,
    "第三十三条　药品监督管理部门及其工作人员在监督检查中滥用职权、玩忽职守、徇私舞弊的，对直接负责的主管人员和其他直接责任人员依法给予处分。",
)

_TRADE = (
    "第{n}条　{x}货物的收发货人应当自货物运抵海关监管区之日起十四日内，向所在地海关如实申报，交验{x}许可证件、"
    "商业发票、装箱单和运输单据等有关单证。国家限制{x}的货物，收发货人不能提交{x}许可证件的，海关不予放行，"
    "并责令其在三十日内补交有关证件；逾期仍不能提交的，由海关依照本规定第五十条的规定处理。"
    "收发货人委托报关企业办理申报手续的，应当向报关企业提供真实、准确、完整的{x}货物资料，"
    "并对申报内容的真实性承担法律责任。"
)
IMPORT = _TRADE.format(n="十", x="进口")
EXPORT = _TRADE.format(n="二十", x="出口")

LAW_TRADE = _doc(
    "第二章　进口货物",
    IMPORT,
    *ZH_FILLER,
    "第三章　出口货物",
    EXPORT,
)

_BANNED = (
    "在饮用水水源一级保护区内新建、改建、扩建与供水设施和保护水源无关的建设项目，或者从事可能污染饮用水水体的其他活动；",
    "向水源保护区水体排放工业废水、医疗废水、生活污水，或者倾倒、堆放工业固体废物、建筑垃圾和其他废弃物；",
    "在水源保护区内设置排污口，或者利用渗井、渗坑、裂隙、溶洞以及私设暗管等逃避监管的方式排放含有毒污染物的废水；",
    "在水源保护区内从事网箱养殖、畜禽养殖，施用高毒、高残留农药，或者组织游泳、垂钓等可能污染水体的活动；",
    "在水源保护区内堆放、存贮危险化学品和放射性物品，或者设置生活垃圾填埋场、转运站以及危险废物贮存场所；",
)
_ZH_NO = "一二三四五六七八"
PROHIBITION = "第十二条　在饮用水水源保护区内，禁止下列行为：\n" + "\n".join(
    f"（{_ZH_NO[i]}）{item}" for i, item in enumerate(_BANNED)
)
# the penalty article restates items two to five, numbered from one
PENALTY = (
    "第三十五条　违反本条例第十二条规定，有下列行为之一的，由县级以上人民政府生态环境主管部门责令停止违法行为，"
    "限期采取治理措施，处二万元以上二十万元以下的罚款：\n"
    + "\n".join(f"（{_ZH_NO[i]}）{item}" for i, item in enumerate(_BANNED[1:]))
)
LAW_LIST = _doc(PROHIBITION, *ZH_FILLER, PENALTY)
# the same, when the penalty article restates the whole list as it stands
PENALTY_ALL = (
    "第三十五条　违反本条例第十二条规定，有下列行为之一的，由县级以上人民政府生态环境主管部门责令停止违法行为，"
    "限期采取治理措施，处二万元以上二十万元以下的罚款：\n" + PROHIBITION.split("\n", 1)[1]
)
LAW_LIST_ALL = _doc(PROHIBITION, *ZH_FILLER, PENALTY_ALL)

AMENDMENT = (
    "1. 将第十四条修改为：“当事人对鉴定意见有异议并申请重新鉴定，人民法院经审查认为异议成立的，应当准许；"
    "认为异议不成立的，应当在裁判文书中说明理由。重新鉴定的费用由申请人预交，鉴定意见采信的，"
    "由对方当事人负担。”\n"
    "2. 将第二十二条中的“依照民法通则第一百一十九条的规定”修改为“依照民法典第一千一百七十九条的规定”。\n"
    "3. 删除第二十六条、第二十七条，其后条文序号相应调整。\n"
    "4. 增加一条，作为第二十八条：“本解释施行前已经终审的案件，当事人申请再审或者按照审判监督程序决定再审的，"
    "不适用本解释。”"
)
LAW_AMENDMENT = _doc(
    "最高人民法院关于修改《关于审理道路交通事故损害赔偿案件适用法律若干问题的解释》等两件司法解释的决定",
    "根据民法典的规定，结合审判实践，最高人民法院审判委员会第一千八百二十次会议决定，对下列两件司法解释作出修改：",
    "一、修改《最高人民法院关于审理道路交通事故损害赔偿案件适用法律若干问题的解释》",
    AMENDMENT,
    "二、修改《最高人民法院关于审理医疗损害责任纠纷案件适用法律若干问题的解释》",
    AMENDMENT,
    "本决定自二〇二一年一月一日起施行。上述两件司法解释根据本决定作相应修改后重新公布。",
)

LAW_CASES = [
    pytest.param(LAW_TIERS, [(TIER_1, TIER_2)], id="penalty-tiers-zh-numerals"),
    pytest.param(LAW_TRADE, [(IMPORT, EXPORT)], id="import-export-articles"),
    pytest.param(LAW_LIST, list(_BANNED[1:]), id="prohibitions-restated-renumbered"),
    pytest.param(
        LAW_LIST_ALL, [PROHIBITION.split("\n", 1)[1]], id="prohibitions-restated-whole-list"
    ),
    pytest.param(LAW_AMENDMENT, [AMENDMENT], id="one-amendment-two-interpretations"),
]


@pytest.mark.parametrize(("text", "parts"), LAW_CASES)
def test_laws_keep_parallel_articles(text: str, parts: list[Part]) -> None:
    assert_kept(text, *parts)


# ---------------------------------------------------------------------------
# Specifications (English, RFC-like: 72 columns, indented)

FIELDS = """\
      Session Identifier: 64 bits.  A value chosen by the initiator that
      names the session for its whole lifetime.  The responder copies it
      from the first message it receives and MUST use the same value in
      every message it sends on that session.  A peer that receives a
      message carrying a Session Identifier it does not know MUST discard
      the message and SHOULD log the event at most once per minute.

      Sequence Number: 32 bits.  The number of messages the sender has
      sent on this session before this one, modulo 2^32.  A receiver
      MUST discard a message whose Sequence Number lies inside the replay
      window (Section 9.3) and has already been seen."""

SPEC_FIELDS = _doc(
    """\
6.2.  Open Message

   The Open message is the first message each peer sends once the
   transport connection is up.  It carries the sender's capabilities
   and the timers it proposes for the session.""",
    FIELDS,
    """\
      Hold Time: 16 bits.  The number of seconds the sender proposes
      between keepalives.  The smaller of the two values offered is used.""",
    """\
6.3.  Update Message

   An Update message announces reachable prefixes or withdraws
   prefixes announced earlier.  Either peer may send it at any time
   after both Open messages have been exchanged.""",
    FIELDS,
    """\
      Prefix Count: 16 bits.  The number of prefix entries that follow.""",
    """\
6.4.  Close Message

   A peer sends a Close message before it ends the session on purpose,
   so that the other side can tell an orderly close from a failure.""",
    FIELDS,
    """\
      Reason Code: 8 bits.  One of the codes registered in Section 11.2.""",
)

TURN_ON = """\
   7.1.  TurnOn

      The TurnOn command asks the receiving controller to switch on the
      load attached to the output named in the Channel field.  The
      controller MUST answer with a Status message reporting the state
      of that output within 500 milliseconds.  If the output is already
      in the requested state, the controller MUST still answer, and the
      State field of the answer MUST equal the current state."""
TURN_OFF = (
    TURN_ON.replace("7.1.", "7.2.").replace("TurnOn", "TurnOff").replace("on the\n", "off the\n")
)

ENCRYPT = """\
   encrypt(K, R, B)

      The encrypt operation takes the session key K, the record number
      R and the record body B, derives the per-record nonce from R as
      described in Section 5.4, and returns the result of applying the
      cipher to B with that nonce.  An implementation MUST NOT call
      encrypt twice with the same key and record number, and MUST close
      the connection rather than let the record number wrap."""
DECRYPT = ENCRYPT.replace("encrypt", "decrypt")

MIN_RATE = """\
      MinRate: 32 bits, unsigned.  The minimum sending rate, in kilobits
      per second, that the sender agrees to use on this path while the
      reservation lasts.  A value of zero means that the sender sets no
      minimum.  A router that cannot honour the MinRate of a request
      MUST reject the request with error code 17 and MUST NOT reserve
      any capacity for it."""
MAX_RATE = MIN_RATE.replace("MinRate", "MaxRate").replace("minimum", "maximum")

_OPPOSITE_FILLER = """\
   The commands in this section share the header of Section 4.1.  A
   controller that does not implement a command answers with error code
   3 and leaves every output as it was."""


def _opposites(first: str, second: str, far: bool) -> str:
    middle = [_OPPOSITE_FILLER, *(textwrap.indent(p, "   ") for p in EN_FILLER)] if far else []
    return _doc("7.  Commands", first, *middle, second, "8.  Security Considerations")


RULES_BODY = """\
      message      = start-line *( header-field CRLF ) CRLF [ body ]
      start-line   = method SP target SP version
      method       = "GET" / "PUT" / "DEL" / "SUB" / extension-method
      target       = "/" *( segment "/" ) [ segment ]
      segment      = 1*( unreserved / pct-encoded / ":" / "@" )
      version      = "SHP/" 1*DIGIT "." 1*DIGIT
      header-field = field-name ":" OWS field-value OWS"""

SPEC_ABNF = _doc(
    """\
3.  Message Syntax

   A message is a start line, a block of header fields and an optional
   body.  The grammar below uses ABNF [RFC5234] and the rules OWS and
   unreserved from [RFC9110].""",
    RULES_BODY,
    """\
   A receiver MUST reject a message whose start line does not match
   this grammar with status 400 and MUST NOT try to repair it.""",
    """\
Appendix A.  Collected ABNF

   This appendix repeats the rules of Section 3 in one place, so that
   an implementation can take them from a single listing.""",
    RULES_BODY,
    """\
      field-name   = token
      field-value  = *( VCHAR / SP / HTAB )""",
)

MIB_DESCRIPTION = """\
The number of datagrams that arrived on this tunnel and
were discarded because the outer header named a source
address that is not the configured remote endpoint.
Discontinuities in the value of this counter can occur
at re-initialization of the management system, and at
other times as indicated by the value of
tnlIfCounterDiscontinuity.  A datagram refused for this
reason is not counted in tnlIfInErrors, so that an
operator can tell an attack from a fault on the path."""

SPEC_MIB = _doc(
    """\
5.  Objects

   tnlIfInSpoofed counts datagrams refused by the check of Section 4.2:
""",
    "\n".join("      " + line for line in MIB_DESCRIPTION.split("\n")),
    """\
   The counter is never reset while the tunnel exists.""",
    """\
6.  Definitions

   tnlIfInSpoofed OBJECT-TYPE
       SYNTAX      Counter64
       MAX-ACCESS  read-only
       STATUS      current
       DESCRIPTION
              \""""
    + "\n              ".join(MIB_DESCRIPTION.split("\n"))
    + """\"
       ::= { tnlIfEntry 9 }""",
)

DIAGRAM = """\
    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |Version|  Type |     Flags     |            Length             |
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |                       Session Identifier                      |
   |                                                               |
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+"""

SPEC_DIAGRAM = _doc(
    "4.1.  Request Header\n\n   Every request starts with this header:",
    DIAGRAM,
    "   The Type field of a request is odd.  Flags are defined in Section 4.5.",
    "4.2.  Response Header\n\n   Every response starts with the same header:",
    DIAGRAM,
    "   The Type field of a response is even and equals the request's Type\n   plus one.",
)

# a wide box table alone: cells alike, border lines every other line and
# two in a row where the header box sits on the body box
BORDER_WIDE = "   +-------------+-------------+-------------+-------------+-------------+"
SPEC_BORDERS = _doc(
    "11.3.  Transfer Modes\n\n   IANA has created the registry below:",
    "\n".join(
        [
            BORDER_WIDE,
            "   | Mode        | Name        | Ordered     | Reliable    | Reference   |",
            BORDER_WIDE,
            BORDER_WIDE,
            "   | 0           | STREAM      | yes         | yes         | Sec. 7.1    |",
            BORDER_WIDE,
            "   | 1           | DATAGRAM    | no          | no          | Sec. 7.2    |",
            BORDER_WIDE,
            "   | 2           | SEQPACKET   | yes         | yes         | Sec. 7.3    |",
            BORDER_WIDE,
        ]
    ),
    "   Values 3 to 15 are reserved for future use.",
)

# a box table: the border line repeats after every row, and the header
# box sits right on top of the body box (two border lines in a row)
BORDER = "   +------------+------------+------------+------------+"
BOX_TABLE = "\n".join(
    [
        BORDER,
        "   | Code       | Name       | Retry      | Reference  |",
        BORDER,
        BORDER,
        "   | 0          | OK         | no         | Sec. 6.1   |",
        BORDER,
        "   | 1          | BUSY       | yes        | Sec. 6.2   |",
        BORDER,
        "   | 2          | MOVED      | no         | Sec. 6.3   |",
        BORDER,
        "   | 3          | UNKNOWN    | no         | Sec. 6.4   |",
        BORDER,
    ]
)
SPEC_TABLE = _doc(
    "11.2.  Reason Codes\n\n   IANA has created the registry below:",
    BOX_TABLE,
    "Appendix C.  Registry at Publication\n\n   The registry held these entries when this document was published:",
    BOX_TABLE,
)

TRACE = """\
      C: OPEN 2 session=7f3a91c2 window=64
      S: 200 OPEN ok session=7f3a91c2 window=32 hold=90
      C: PUT /inventory/shelf-12 length=118 seq=1
      S: 201 stored seq=1 etag="a41f0c"
      C: PUT /inventory/shelf-13 length=96 seq=2
      S: 201 stored seq=2 etag="a41f0d"
      C: CLOSE session=7f3a91c2 reason=0
      S: 200 CLOSE ok"""

VECTOR = """\
      Key:        8f2c 61d0 a4b7 3e95 0c1d 77a2 e845 19fb
                  d360 2ea8 5bc4 0f71 9a36 e2d8 4c05 b7e9
      Nonce:      3a0c 91f4 5d72 e806 1bc9 a43e
      Plaintext:  5468 6520 7175 6963 6b20 6272 6f77 6e20
                  666f 7820 6a75 6d70 7320 6f76 6572 2e0a
      Ciphertext: c1e4 0b7a 92d5 3f68 e017 5ac2 7d93 b04e
                  26f1 8a0c d5b3 4e97 0f62 a8d1 3bc5 e704
      Tag:        9d42 e0b6 1fa8 73c5 2e09 d461 b8f3 05ac"""

CODE = """\
   def next_nonce(base: bytes, record: int) -> bytes:
       # the nonce of one record: the base nonce XOR the record number
       if record >= 2**48:
           raise ValueError("record number exhausted; rekey first")
       pad = record.to_bytes(len(base), "big")
       return bytes(a ^ b for a, b in zip(base, pad, strict=True))"""


def _example_twice(example: str, what: str) -> str:
    return _doc(
        f"5.  Operation\n\n   The {what} below shows a short session:",
        example,
        "   Each step is explained in the subsections that follow.",
        *(textwrap.indent(p, "   ") for p in EN_FILLER),
        f"Appendix B.  Complete Example\n\n   For reference, here is the {what} of Section 5 again:",
        example,
    )


SPEC_CASES = [
    pytest.param(SPEC_FIELDS, [FIELDS], id="field-description-under-three-messages"),
    pytest.param(
        _opposites(TURN_ON, TURN_OFF, far=False), [(TURN_ON, TURN_OFF)], id="TurnOn-TurnOff-next"
    ),
    pytest.param(
        _opposites(TURN_ON, TURN_OFF, far=True), [(TURN_ON, TURN_OFF)], id="TurnOn-TurnOff-far"
    ),
    pytest.param(
        _opposites(ENCRYPT, DECRYPT, far=False), [(ENCRYPT, DECRYPT)], id="encrypt-decrypt-next"
    ),
    pytest.param(
        _opposites(ENCRYPT, DECRYPT, far=True), [(ENCRYPT, DECRYPT)], id="encrypt-decrypt-far"
    ),
    pytest.param(
        _opposites(MIN_RATE, MAX_RATE, far=False), [(MIN_RATE, MAX_RATE)], id="MinRate-MaxRate-next"
    ),
    pytest.param(
        _opposites(MIN_RATE, MAX_RATE, far=True), [(MIN_RATE, MAX_RATE)], id="MinRate-MaxRate-far"
    ),
    pytest.param(SPEC_ABNF, [RULES_BODY], id="collected-abnf"),
    pytest.param(SPEC_MIB, MIB_DESCRIPTION.split("\n")[1:-1], id="mib-restates-description"),
    pytest.param(SPEC_DIAGRAM, [DIAGRAM], id="header-diagram-twice"),
    pytest.param(SPEC_TABLE, [BOX_TABLE], id="box-table-twice"),
    pytest.param(SPEC_BORDERS, [BORDER_WIDE], id="border-lines-in-a-row"),
    pytest.param(_example_twice(TRACE, "trace"), [TRACE], id="protocol-trace-twice"),
    pytest.param(_example_twice(VECTOR, "test vector"), [VECTOR], id="test-vector-twice"),
    pytest.param(_example_twice(CODE, "code"), [CODE], id="code-twice"),
]


@pytest.mark.parametrize(("text", "parts"), SPEC_CASES)
def test_specifications_keep_their_repeats(text: str, parts: list[Part]) -> None:
    assert_kept(text, *parts)


# ---------------------------------------------------------------------------
# Literature and speech

DIALOGUE_EN = _doc(
    "The squall caught them a mile short of the point. Hanna stood in the stern with the\n"
    "tiller jammed under her arm and the spray running off the hood of her oilskin.",
    '"Heave, lads, heave! Heave, lads, heave!" she shouted into the wind, and the four of\n'
    "them bent to the oars until the bow came round and the boat stopped taking water.",
    "When they were safe in the lee of the rocks, Tomas lay back against the thwart and\n"
    'laughed. "We ought to go back for the nets," he said. Hanna did not move at all.',
    '"Of course we will go back. Of course we will go back." She closed her eyes. "In the\n'
    'morning."',
    "Later, by the stove, the boy kept asking whether his father had been frightened.\n"
    'Tomas looked at the fire for a long time. "I was never afraid of the sea. I was never\n'
    'afraid of the sea." Nobody at the table looked up.',
)

DIALOGUE_ZH = _doc(
    "母亲把信折好，放回抽屉里，很久没有说话。窗外的雨一直下着，院子里的石榴树被打得东倒西歪。",
    "“这件事跟你没有关系，你不要再问了。这件事跟你没有关系，你不要再问了。”她说完就转身进了厨房。",
    "我站在堂屋里，听见锅碗碰撞的声音，一声比一声响。那天晚上，谁也没有吃饭。",
)

CHORUS = """\
So lay the nets down easy, boys, the tide is turning slow,
and the lamps along the harbour wall are burning soft and low;
we'll mend the sails tomorrow when the northern weather clears,
but tonight we drink to all the men who've sailed these fifty years."""

VERSES = (
    """\
I left the valley in the spring when the river ran too high,
with a borrowed coat and a letter and no reason to say why;
my mother stood beside the gate and did not say a word,
and the only sound along the road was one late-singing bird.""",
    """\
I worked the boats at Kellan Point for seven years and more,
I learned to read the colour of the water from the shore;
I married Jenny Callaghan the year the herring failed,
and I never once regretted any morning that we sailed.""",
    """\
Now the boats are tied up rotting and the young ones drive away,
there's a hotel where the sheds were and a car park on the quay;
but on some nights when the wind is east you'll hear us all the same,
come stumbling up from the harbour still singing out the name.""",
)

SONG = _doc("The Kellan Point Song", *(s for v in VERSES for s in (v, CHORUS)))
SONG_LAST_CHORUS_TWICE = _doc(SONG, CHORUS)

MESSAGE = """\
  The lord of the river towns sends you greeting and no threat.
  Your men may draw water from our wells and graze their horses
  on the low fields beside the ford until the new moon rises;
  but if one spear is lifted in the valley of the Sarn,
  the wells will be stopped with stones and the ford will run red,
  and no ship of yours will find a harbour on this coast again.\""""

EPIC = _doc(
    """\
  Then the old king called to him Aredon, his herald,
  and spoke to him winged words, and held him by the wrist:
  "Go now, swift Aredon, to the black ships of Tessarin,
  and say to him these words, and change not one of them:""",
    MESSAGE,
    """\
  So he spoke, and Aredon did not disobey him, but went
  down by the goat paths to the grey shore of the sea,
  and the sun went down behind him, and all the ways grew dark.
  At dawn he came to the ships and found the prince beside them,
  and he stood before Tessarin and spoke to him winged words:
  "Son of Oreas, hear what the lord of the river towns says:""",
    MESSAGE,
    """\
  So he spoke, and Tessarin was silent a long while, and then answered.""",
)

PASSAGE = """\
When the railway reached the valley in 1871, the farms that had sent
their cheese to market by cart for two hundred years found themselves
within a day of the city.  Within a decade most of them had stopped
making cheese at all and were selling their milk, unskimmed and
unprocessed, to the dairies that grew up around the new stations."""

ESSAY = _doc(
    "Chapter 1. The Railway",
    PASSAGE,
    *EN_FILLER,
    "Chapter 7. Looking Back",
    "In the first chapter I described the change in these words:",
    "\n".join("    " + line for line in PASSAGE.split("\n")),
    "I would now put it differently. The farms did not stop making cheese because\n"
    "the railway came; they stopped because the dairies paid in cash every month.",
)

HEADINGS = (
    "1. Why the old bridge failed",
    "2. What the inspections found",
    "3. The choice of a new design",
    "4. Building through the winter",
    "5. What it cost and who paid",
)
REPORT_TOC = _doc(
    "The Mill Lane Bridge: A Report to the Parish",
    "Contents\n\n" + "\n".join(HEADINGS),
    HEADINGS[0],
    "The bridge that stood at Mill Lane until 2019 was built in 1887 of local stone on\n"
    "timber piles. The piles rotted where the river bed had dropped and left them dry.",
    HEADINGS[1],
    "Divers found three of the eight piles hollow. The engineers closed the bridge to\n"
    "vehicles the same week and to walkers a month later.",
    HEADINGS[2],
    "The parish chose a single steel span resting on concrete abutments, which needs no\n"
    "piles in the river at all and should need little upkeep for sixty years.",
    HEADINGS[3],
    "Work began in October and the span was lifted into place on the ninth of February,\n"
    "two weeks late because the crane could not cross the flooded meadow.",
    HEADINGS[4],
    "The bridge cost 412,000 pounds, of which the county paid two thirds and the parish\n"
    "raised the rest through the precept and a bequest from the Hollins estate.",
)

DOSE = """\
Adults and children over twelve years should take two tablets every
four to six hours while the symptoms last, with a glass of water and
preferably after food.  Do not take more than eight tablets in any
period of twenty-four hours, and do not take the tablets for more
than three days in a row without speaking to a doctor or pharmacist."""
DOSE_FIXED = DOSE.replace("more than eight tablets", "more than six tablets")

LEAFLET = _doc(
    "3. How to take the tablets",
    DOSE,
    "If you take more tablets than you should, speak to a doctor at once, even if you\n"
    "feel well, because of the risk of delayed, serious liver damage.",
    *EN_FILLER[:1],
    "Errata",
    "Page 2, section 3. The printed text reads:",
    "\n".join("   " + line for line in DOSE.split("\n")),
    "It should read:",
    "\n".join("   " + line for line in DOSE_FIXED.split("\n")),
)

NOTICE = """\
The Harbour Mapping Handbook
Copyright (C) 2019, 2021 The Kellan Point Harbour Mapping Group.
This handbook may be copied, printed and shared in whole or in part
for any purpose that does not involve charging for it, provided that
every copy carries this notice unchanged and names the Group as its
author.  Corrections are welcome at the address on the back cover."""

HANDBOOK = _doc(
    NOTICE,
    "1. Before You Start",
    "Every survey begins at the harbour office, where the tide tables and the\n"
    "log of earlier surveys are kept. Sign the log before you take a boat out.",
    *EN_FILLER,
    "Licence",
    "Every copy of this handbook, printed or electronic, must carry the following\n"
    "notice exactly as it appears on the first page:",
    NOTICE,
)

LITERATURE_CASES = [
    pytest.param(
        DIALOGUE_EN,
        [
            "Heave, lads, heave!",
            "Of course we will go back.",
            ("I was never afraid of the sea.", "I was never\nafraid of the sea."),
        ],
        id="dialogue-emphasis-en",
    ),
    pytest.param(DIALOGUE_ZH, ["这件事跟你没有关系，你不要再问了。"], id="dialogue-emphasis-zh"),
    pytest.param(SONG, [CHORUS], id="chorus-after-each-verse"),
    pytest.param(SONG_LAST_CHORUS_TWICE, [CHORUS], id="chorus-right-after-itself"),
    pytest.param(EPIC, [MESSAGE], id="epic-message-relayed"),
    pytest.param(ESSAY, PASSAGE.split("\n"), id="quotation-of-earlier-passage"),
    pytest.param(REPORT_TOC, list(HEADINGS), id="table-of-contents"),
    pytest.param(
        LEAFLET,
        [
            *(line for line in DOSE.split("\n") if line in DOSE_FIXED),
            *(
                pair
                for pair in zip(DOSE.split("\n"), DOSE_FIXED.split("\n"), strict=True)
                if pair[0] != pair[1]
            ),
        ],
        id="errata-list",
    ),
    pytest.param(HANDBOOK, [NOTICE], id="licence-quotes-header"),
]


@pytest.mark.parametrize(("text", "parts"), LITERATURE_CASES)
def test_literature_keeps_its_repeats(text: str, parts: list[Part]) -> None:
    assert_kept(text, *parts)


# ---------------------------------------------------------------------------
# Meaning-changing edits: a paragraph written again with one change, as the
# next paragraph (a draft beside its revision) and far from it (a clause and
# its amended form in a schedule). Removing either loses the change.

_EDITS = {
    "shall-shall-not": (
        "The Contractor {x} be liable for any loss of or damage to the Works arising\n"
        "between the date of the Taking-Over Certificate and the end of the Defects\n"
        "Notification Period, whether the loss or damage was caused by the Contractor's\n"
        "own operations or by those of a subcontractor engaged under Clause 4.4, unless\n"
        "the Employer's personnel caused it while using the Works.",
        "shall",
        "shall not",
    ),
    "including-excluding": (
        "The fixed fee covers every service listed in Schedule A, {x} travel to and from\n"
        "the site, the hire of lifting equipment, the disposal of packaging and waste\n"
        "produced during the installation, and any overtime the installer's staff work to\n"
        "keep to the programme agreed at the start-up meeting.",
        "including",
        "excluding",
    ),
    "harmless-harmful": (
        "The panel concluded that the additive is {x} to freshwater fish and\n"
        "invertebrates at the concentrations measured in the river during the three\n"
        "survey periods, and recommended that the discharge consent be reviewed once\n"
        "the results of the second year of monitoring are available to the agency.",
        "harmless",
        "harmful",
    ),
    "zh-yingdang-buyingdang": (
        "用人单位在劳动合同解除或者终止时，{x}向劳动者出具解除或者终止劳动合同的证明，"
        "证明中载明劳动合同期限、解除或者终止劳动合同的日期、工作岗位、在本单位的工作年限以及"
        "劳动者在职期间受到的纪律处分情况，并在十五日内为劳动者办理档案和社会保险关系转移手续，"
        "不得以劳动者未结清借款或者未归还办公用品为由拒绝办理。劳动者对证明内容有异议的，"
        "可以向用人单位所在地的劳动保障监察机构投诉，劳动保障监察机构应当自收到投诉之日起十个工作日内作出处理。",
        "应当",
        "不应当",
    ),
    "zh-hefa-feifa": (
        "经审查，申请人提交的国有土地使用权证书、建设工程规划许可证和施工许可证均系{x}取得，"
        "相关审批程序符合当时有效的法律、法规规定，申请人对涉案房屋享有的占有、使用和收益的权利应当受到保护，"
        "被申请人关于涉案房屋属于违法建筑、应予拆除的主张缺乏事实和法律依据，本院不予支持。"
        "被申请人在庭审中提交的航拍照片和群众举报材料，仅能证明涉案房屋的现状，不能证明其建设过程违反规划，"
        "本院对其证明目的不予采信，对其要求责令申请人限期拆除涉案房屋的请求依法予以驳回。",
        "合法",
        "非法",
    ),
    "Mr-Ms": (
        "The committee agreed at its March meeting that {x} Okafor will chair the\n"
        "session on Tuesday morning and will present the findings of the working group\n"
        "on river restoration, after which the floor will be open for questions from\n"
        "members. Members who wish to speak are asked to give their names to the\n"
        "secretary before the session begins.",
        "Mr.",
        "Ms.",
    ),
}


def _edited(name: str, far: bool) -> tuple[str, tuple[str, str]]:
    template, old, new = _EDITS[name]
    first, second = template.format(x=old), template.format(x=new)
    zh = name.startswith("zh-")
    intro, outro = (
        ("第一稿如下：", "以上两稿请一并审议。")
        if zh
        else ("The draft reads:", "Please comment on both.")
    )
    middle = ZH_FILLER if zh else EN_FILLER
    text = _doc(intro, first, *(middle if far else ()), second, outro)
    return text, (first, second)


EDIT_CASES = [
    pytest.param(*_edited(name, far), id=f"{name}-{'far' if far else 'next'}")
    for name in _EDITS
    for far in (False, True)
]


@pytest.mark.parametrize(("text", "pair"), EDIT_CASES)
def test_a_meaning_changing_edit_is_kept(text: str, pair: tuple[str, str]) -> None:
    assert_kept(text, pair)


# ---------------------------------------------------------------------------
# Structured text: tables, JSON, CSV, YAML, logs

SWEEP_TABLE = _doc(
    "## Sweep results",
    "Each row changes one parameter from its default; the others stay fixed.",
    """\
| parameter | value | precision | recall | f1 | equal | removed chars | time s |
|-----------|-------|-----------|--------|----|-------|---------------|--------|
| gap | 8 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 0.4210 |
| sim | 0.8 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 0.4190 |
| sim | 0.9 | 1.0000 | 0.9861 | 0.9930 | 0.9500 | 0.9874 | 0.4170 |
| run | 100 | 0.9972 | 1.0000 | 0.9986 | 0.9800 | 1.0000 | 0.4230 |
| run | 200 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 0.4200 |
| share | 0.5 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 1.0000 | 0.4210 |""",
    "The defaults are the rows whose scores are all 1.0000.",
)
TABLE_TAIL = "| 1.0000 | 1.0000 | 1.0000 | 1.0000 | 1.0000 |"

# rows alike but for a one-letter label: rows A to F and G to L differ in a
# letter each, like a near copy of six rows
CASE_TABLE = _doc(
    "| case | precision | recall | f1 | equal |\n|------|-----------|--------|----|-------|\n"
    + "\n".join(f"| case {c} | 1.0000 | 1.0000 | 1.0000 | 1.0000 |" for c in "ABCDEFGHIJKL"),
)
CASE_TAIL = "| 1.0000 | 1.0000 | 1.0000 | 1.0000 |"

_CAMERA = """\
    "type": "camera",
    "model": "HX-2040",
    "settings": {
      "resolution": "1920x1080",
      "fps": 25,
      "night_mode": true,
      "retention_days": 30,
      "motion_zones": ["entrance", "car park", "loading bay"]
    },
    "alerts": ["motion", "tamper", "offline"]"""
CAMERAS = (
    "[\n"
    + ",\n".join(
        "  {\n" + (f'    "name": "{name}",\n' if name else "") + _CAMERA + "\n  }"
        for name in ("north-gate", "south-gate", None, None)
    )
    + "\n]\n"
)

# survey answers, one row a respondent and no respondent id: four people
# answered alike
_ANSWERS = (
    "| agree    | agree    | neutral  | disagree | agree    | strongly agree | yes | weekly  |"
)
SURVEY = _doc(
    "Table 4. Answers of the evening group (anonymous)",
    "\n".join(
        [
            "| Q1       | Q2       | Q3       | Q4       | Q5       | Q6             | Q7  | Q8      |",
            "|----------|----------|----------|----------|----------|----------------|-----|---------|",
            "| disagree | neutral  | neutral  | agree    | agree    | agree          | no  | monthly |",
            _ANSWERS,
            _ANSWERS,
            _ANSWERS,
            _ANSWERS,
            "| agree    | neutral  | agree    | disagree | neutral  | agree          | yes | never   |",
        ]
    ),
    "Four respondents gave the same answers to every question.",
)

_CHAIR = '2024-03-04,INV-20931,"Office chair, ergonomic mesh, black, adjustable arms",1,129.00,0.20,154.80,CC-410 Facilities,J. Marsh'
INVOICE_CSV = (
    "\n".join(
        [
            "date,invoice,item,quantity,unit_price,tax_rate,total,cost_centre,approved_by",
            '2024-03-04,INV-20931,"Standing desk, oak veneer, 160 x 80 cm",1,389.00,0.20,466.80,CC-410 Facilities,J. Marsh',
            _CHAIR,
            _CHAIR,
            _CHAIR,
            _CHAIR,
            '2024-03-05,INV-20944,"Monitor arm, dual, clamp mount",2,74.50,0.20,178.80,CC-415 IT,R. Osei',
        ]
    )
    + "\n"
)

_SIDECARS = """\
    restart: unless-stopped
    deploy:
      resources:
        limits: {cpus: "1.50", memory: 768M}
        reservations: {cpus: "0.25", memory: 256M}
    healthcheck:
      test: ["CMD", "curl", "-fsS", "http://localhost:8080/healthz"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 20s
    logging:
      driver: json-file
      options:
        max-size: "20m"
        max-file: "5"
        labels: "service,environment\""""
COMPOSE = f"""\
services:
  api:
    image: registry.example.com/shop/api:2.4.1
    ports: ["8080:8080"]
    environment:
      DATABASE_URL: postgres://shop@db:5432/shop
      SESSION_TTL: 3600
{_SIDECARS}
  worker:
    image: registry.example.com/shop/worker:2.4.1
    command: ["celery", "-A", "shop.tasks", "worker", "--concurrency", "4"]
    depends_on: [queue, db]
{_SIDECARS}
  mailer:
    build: ./mailer
    environment:
      SMTP_HOST: smtp.internal
      FROM_ADDRESS: orders@example.com
{_SIDECARS}
"""

TRACEBACK = """\
Traceback (most recent call last):
  File "/srv/sync/worker.py", line 188, in push_batch
    response = self.session.post(url, data=payload, timeout=self.timeout)
  File "/srv/sync/http.py", line 74, in post
    return self._send("POST", url, data=data, timeout=timeout)
  File "/srv/sync/http.py", line 121, in _send
    raise ArchiveUnavailable(f"{method} {url}: {status}")
sync.http.ArchiveUnavailable: POST https://archive.internal/batches: 503"""
LOG = (
    "\n".join(
        [
            "2024-05-02 03:13:59,004 INFO worker.sync Pushing batch 4411 (312 records)",
            "2024-05-02 03:14:07,512 ERROR worker.sync Failed to push batch 4411 to the archive",
            TRACEBACK,
            "2024-05-02 03:14:37,530 INFO worker.sync Retrying batch 4411 (attempt 2 of 5)",
            "2024-05-02 03:14:45,611 ERROR worker.sync Retry failed, archive still unavailable",
            TRACEBACK,
            "2024-05-02 03:15:15,640 INFO worker.sync Retrying batch 4411 (attempt 3 of 5)",
            "2024-05-02 03:15:16,102 INFO worker.sync Batch 4411 stored",
        ]
    )
    + "\n"
)

STRUCTURED_CASES = [
    pytest.param(SWEEP_TABLE, [TABLE_TAIL], id="markdown-rows-share-tails"),
    pytest.param(CASE_TABLE, [CASE_TAIL], id="markdown-rows-alike-but-label"),
    pytest.param(CAMERAS, [_CAMERA], id="json-list"),
    pytest.param(SURVEY, [_ANSWERS], id="identical-table-rows"),
    pytest.param(INVOICE_CSV, [_CHAIR], id="csv-rows"),
    pytest.param(COMPOSE, [_SIDECARS], id="yaml-blocks"),
    pytest.param(LOG, [TRACEBACK], id="traceback-in-log"),
]


@pytest.mark.parametrize(("text", "parts"), STRUCTURED_CASES)
def test_structured_text_keeps_its_repeats(text: str, parts: list[Part]) -> None:
    assert_kept(text, *parts)


def test_a_json_list_stays_the_same_json() -> None:
    kept = dedupe_text(CAMERAS).kept_text
    assert json.loads(kept) == json.loads(CAMERAS)


KEEP_CASES = LAW_CASES + SPEC_CASES + LITERATURE_CASES + EDIT_CASES + STRUCTURED_CASES


@pytest.mark.parametrize(("text", "parts"), KEEP_CASES)
def test_no_line_of_an_author_repeat_is_lost_or_cut(text: str, parts: object) -> None:
    kept = Counter(dedupe_text(text).kept_text.splitlines())
    lost = Counter(text.splitlines()) - kept
    assert not lost, f"lines lost or cut: {sorted(lost)!r:.300}"


# ---------------------------------------------------------------------------
# Accidents: these go, and the output is the clean text

REPORT_ZH = """\
二〇二三年度城区供热保障工作总结

一、基本情况
今年以来，市供热管理办公室围绕“温暖过冬、安全运行”的目标，组织全市十二家供热企业完成老旧管网改造一百四十六公里，新建和改造换热站二十三座，全市集中供热面积达到四千八百万平方米，比上年增加百分之六点二。全年受理群众供热诉求九千三百余件，办结率达到百分之九十九点四，群众满意度较上年提高三个百分点。
供热期间，全市平均室温达到二十一点三摄氏度，室温达标率百分之九十八点七；遭遇两次寒潮过程，最低气温降至零下二十四摄氏度，各供热企业及时提升供水温度，未发生大面积停热事件。全年共处置管网突发故障三百零五起，平均修复时间由上年的九小时缩短至六小时。

二、主要做法
（一）提前谋划，压实责任。供热季开始前，办公室召开了三次专题协调会，逐一明确各企业的改造任务、完成时限和责任人，将管网改造进度纳入月度督查范围，对进度滞后的两家企业主要负责人进行了约谈，督促其增加施工力量，确保在十月底前全部完工。
（二）强化监测，精准调控。依托智慧供热平台，对全市一千二百余个小区的室内温度进行实时监测，发现室温低于十八摄氏度的楼栋，平台自动生成工单并派发至供热企业，企业须在二十四小时内上门排查处理，并将处理结果录入平台，由办公室随机回访核实。
（三）畅通渠道，快速响应。开通二十四小时供热服务热线，在政务服务平台开设供热专栏，群众反映的问题实行首问负责、限时办结；对同一问题重复投诉三次以上的，由办公室直接督办，并在供热企业年度考核中扣分。
（四）关心困难群体。对低保户、特困供养人员等困难家庭，协调供热企业减免采暖费一千一百余万元，组织志愿者上门检查室内管线，帮助更换老化的阀门和散热器，确保困难群众温暖过冬。
（五）加强安全管理。联合应急管理、市场监管等部门开展供热设施安全检查四轮，排查整改锅炉房、换热站安全隐患二百一十七处，组织应急演练十六次，储备抢修物资价值三百六十万元。
（六）推进清洁供热。完成燃煤锅炉超低排放改造九台，关停分散燃煤小锅炉三十一台，将四个片区并入城市热网；在两个新建小区试点空气源热泵和地热能供热，清洁能源供热面积占比提高到百分之三十八，全年减少燃煤消耗约六万吨。
（七）规范收费服务。开展供热收费专项检查，纠正个别企业擅自提高收费标准、强制收取押金等问题，退还群众多收费用四十二万元；推行线上缴费，开通手机银行、政务服务平台等七种缴费渠道，线上缴费比例达到百分之七十一。

三、存在的问题
一是部分老旧小区管网老化严重，跑冒滴漏现象仍然较多，一些楼栋末端室温偏低；二是个别企业热源储备不足，极寒天气下调峰能力有限；三是供热计量改革推进缓慢，按面积收费的方式不利于引导用户节约用热；四是个别企业服务意识不强，对群众诉求回应不及时。

四、下一步工作打算
明年将继续推进老旧管网改造，计划完成改造一百六十公里；督促企业落实热源储备，确保极寒天气下稳定供热；稳步推进供热计量收费试点，在三个城区各选择两个小区先行试点，总结经验后逐步推广。同时，进一步完善智慧供热平台功能，提升监测预警和应急处置能力，把群众满意作为检验供热工作的根本标准。
此外，将修订供热企业服务质量考核办法，把室温达标率、投诉办结率和群众满意度作为主要考核指标，考核结果与特许经营权续期和财政补贴挂钩；加强供热行业从业人员培训，全年计划培训维修和客服人员一千人次，切实提升服务水平。
"""

REPORT_EN = """\
Riverside Community Library: Annual Report 2023

The library was open on 301 days this year, eleven more than last year,
because the roof repairs that closed the reading room in 2022 were
finished in February. Visits rose to 48,200, the highest figure since
the branch reopened after the flood.

Lending fell slightly for printed books and rose sharply for audiobooks
and e-books, which now make up a third of all loans. The children's
section was the exception: picture books were borrowed more than ever,
helped by the Saturday story hour, which ran every week of the year and
drew an average of twenty-six children.

Volunteers gave 2,150 hours of their time. They staffed the home
delivery service for housebound readers, ran the digital help desk on
Tuesday and Thursday afternoons, and catalogued the local history
collection donated by the Hollins family, which is now open to the
public by appointment.

The main difficulty of the year was heating. The boiler failed twice in
January and the reading room had to close for nine days. The council
has agreed to replace it next spring, and the library will close for
two weeks while the work is done.

For 2024 the committee plans to extend opening hours on Wednesday
evenings, to start a reading group for teenagers, and to apply for a
grant to digitise the parish newspapers from 1890 to 1950.
"""

# the Chinese report again with a few typos and its lines' spacing changed
REPORT_ZH_NOISY = (
    REPORT_ZH.replace("一百四十六公里", "一百四十六 公里")
    .replace("督促其增加施工力量", "督促其增加施工力最")
    .replace("随机回访核实", "随机回访核宾")
    .replace("（四）关心困难群体。", "（四） 关心困难群体。")
    .replace("跑冒滴漏", "跑冒滴滴")
    .replace("逐步推广。", "逐步推广．")
)
# the English report again with its lines wrapped at 60 columns and typos
REPORT_EN_NOISY = (
    "\n\n".join(
        "\n".join(textwrap.wrap(" ".join(p.split()), 60)) for p in REPORT_EN.strip().split("\n\n")
    )
    .replace("eleven more", "elevne more")
    .replace("picture books", "picture  books")
    .replace("housebound", "housbound")
    .replace("replace it", "replace  it")
    + "\n"
)

LONG_S1 = (
    "The inspectors found that the sluice gates on the lower channel had not been opened "
    "for at least six years, and that the winding gear of two of them had rusted solid."
)
LONG_S2 = (
    "Until the gates can be worked again, the only way to lower the water in the upper "
    "basin during a flood is to open the overflow weir by hand, which takes a crew of four."
)
PROSE_HEAD = (
    "The survey of the canal basin was carried out in the first two weeks of March, "
    "while the water was still low after the winter stoppage."
)
PROSE_NEXT = (
    "The canal trust has asked the county for an emergency grant to repair the gates "
    "before the autumn rains, and expects an answer in June."
)
TAIL_PASTED = _doc(f"{PROSE_HEAD} {LONG_S1} {LONG_S2}", f"{LONG_S1} {LONG_S2}", PROSE_NEXT)
# The removal is the pasted text and its line break, nothing around it: the
# blank line that separated it stays (a paragraph's tail has no blank lines
# of its own to mirror), so two blank lines are left where it stood.
TAIL_CLEAN = f"{PROSE_HEAD} {LONG_S1} {LONG_S2}\n\n\n{PROSE_NEXT}\n"

SENTENCE_DOUBLED = _doc(f"{PROSE_HEAD} {LONG_S2}", f"{LONG_S2} {PROSE_NEXT}")
SENTENCE_CLEAN = _doc(f"{PROSE_HEAD} {LONG_S2}", PROSE_NEXT)

ACCIDENTS = [
    pytest.param(REPORT_ZH + REPORT_ZH, REPORT_ZH, id="zh-report-twice"),
    pytest.param(REPORT_EN + REPORT_EN, REPORT_EN, id="en-report-twice"),
    pytest.param(
        REPORT_ZH + "\n" + REPORT_ZH, REPORT_ZH + "\n", id="zh-report-twice-blank-between"
    ),
    pytest.param(REPORT_ZH + REPORT_ZH_NOISY, REPORT_ZH, id="zh-report-noisy-copy"),
    pytest.param(REPORT_EN + REPORT_EN_NOISY, REPORT_EN, id="en-report-rewrapped-typos"),
    pytest.param(REPORT_ZH * 3, REPORT_ZH, id="zh-report-three-copies"),
    pytest.param(REPORT_EN + REPORT_EN_NOISY + REPORT_EN, REPORT_EN, id="en-report-three-copies"),
    pytest.param(TAIL_PASTED, TAIL_CLEAN, id="paragraph-tail-pasted-as-next"),
    pytest.param(SENTENCE_DOUBLED, SENTENCE_CLEAN, id="sentence-doubled-across-break"),
]


@pytest.mark.parametrize(("text", "expected"), ACCIDENTS)
def test_an_accidental_copy_is_removed(text: str, expected: str) -> None:
    result = dedupe_text(text)
    assert result.removed
    assert result.kept_text == expected
