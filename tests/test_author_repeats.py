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
and a part of 16 characters or more is reported where it repeats.
"""

from __future__ import annotations

import textwrap
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
    and each part of 16 characters or more is a finding where it repeats."""
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
        if len(shortest) < 16:
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
TAIL_CLEAN = _doc(f"{PROSE_HEAD} {LONG_S1} {LONG_S2}", PROSE_NEXT)

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
