"""Properties that hold for any text: nothing lost, twins kept, stable."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import dedupe_text

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ALPHABET = st.sampled_from(
    list("海关总署法治政府建设报告推进工作完善机制一二三")
    + list("abcdefg XYZ0123")
    + list("。，,.!?;：“”（）\n\n  \r\t\u3000\u200b")
)
SENTENCE = st.text(ALPHABET, min_size=0, max_size=60)


@st.composite
def texts_with_repeats(draw: st.DrawFn) -> str:
    parts = draw(st.lists(SENTENCE, min_size=1, max_size=8))
    text = "".join(parts)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, len(text)))
        k = draw(st.integers(0, len(text)))
        text = text[:k] + text[i:j] + text[k:]
    return text


def _twin_chain_is_kept(r, removed, cleaned: str, gone: set[int], depth: int = 8) -> bool:  # type: ignore[no-untyped-def]
    """The twin is kept text, or (in periodic text where a later pass took
    it) a removed repeat whose own twin chain ends in kept text."""
    kept = [i for i in range(r.twin.start, r.twin.end) if i not in gone]
    if any(not cleaned[i].isspace() for i in kept):
        return True
    covering = [o for o in removed if o.span.overlaps(r.twin)]
    return (
        depth > 0
        and bool(covering)
        and all(
            o.twin.end <= o.span.start and _twin_chain_is_kept(o, removed, cleaned, gone, depth - 1)
            for o in covering
        )
    )


def _check_invariants(text: str) -> None:
    result = dedupe_text(text)
    cleaned = result.cleaned.text
    removed = sorted(result.removed, key=lambda r: r.span.start)
    rebuilt, at = [], 0
    kept = result.kept_text
    for r in removed:
        rebuilt.append(cleaned[at : r.span.start])
        at = r.span.end
    rebuilt.append(cleaned[at:])
    assert "".join(rebuilt) == kept
    assert len(kept) + sum(len(r.span) for r in removed) == len(cleaned)
    gone = set()
    for o in removed:
        gone |= set(range(o.span.start, o.span.end))
    for r in removed:
        assert r.twin.end <= r.span.start
        assert _twin_chain_is_kept(r, removed, cleaned, gone)
    if cleaned:
        assert kept.endswith("\n")
    again = dedupe_text(text)
    assert again.repeats == result.repeats
    second = dedupe_text(kept)
    assert second.kept_text == kept


@given(texts_with_repeats())
def test_invariants_hold_with_injected_repeats(text: str) -> None:
    _check_invariants(text)


@given(st.text(max_size=300))
def test_invariants_hold_for_any_unicode(text: str) -> None:
    _check_invariants(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(ALPHABET, max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SENTENCE, inner, max_size=3),
    max_leaves=12,
)


@given(
    st.dictionaries(SENTENCE, JSON_VALUES, max_size=3),
    st.lists(JSON_VALUES, max_size=4),
    st.dictionaries(SENTENCE, JSON_VALUES, max_size=3),
)
def test_summary_streamed_is_the_summary_dumped(
    before: dict[str, object], listed: list[object], after: dict[str, object]
) -> None:
    # summary.json is written piece by piece as the index gives its entries back
    from pipeline.html import dumps, dumps_listing

    data = {**before, "files": [], **{k: v for k, v in after.items() if k != "files"}}
    whole = dumps({**data, "files": listed})
    assert "".join(dumps_listing(data, "files", iter(listed))) == whole


def test_index_page_rows_go_in_the_table_whatever_an_error_says() -> None:
    from pipeline.html import index_page

    summary = {
        "totals": dict.fromkeys(("files", "removed_regions", "removed_chars", "errors"), 1),
        "errors": [{"path": "bad.txt", "reason": "holds a NUL (\x00) byte"}],
    }
    entry = {
        "path": "a.txt",
        "report_html": "a.txt.report.html",
        "input_chars": 10,
        "removed_chars": 5,
        "removed_regions": 1,
        "findings": 1,
        "fixes": 0,
        "cross_file": [],
    }
    page = "".join(index_page(summary, [entry], lambda path: ""))
    assert page.index('href="./a.txt.report.html"') < page.index("</tbody>") < page.index("bad.txt")
    # shown, as an escape (issue 14: no control character reaches the page raw)
    assert "holds a NUL (\\x00) byte" in page
