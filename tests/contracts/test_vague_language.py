"""The contract vague-language check: which phrases are found, where, how overlaps resolve, the
highlight segments, and the phrase list itself. Pure functions, no database."""

from __future__ import annotations

import itertools

import pytest

from apps.contracts.vague_language import (
    TEXT_PAGE_MAX_CHARS,
    TEXT_PAGE_MAX_FINDINGS,
    VagueFinding,
    _compiled_phrases,
    contract_text_pages,
    contract_vague_language_findings,
    highlight_segments,
    vague_phrase_counts,
)
from apps.contracts.vague_phrases import VAGUE_PHRASES, VaguePhrase


def _found(text: str) -> list[tuple[str, str]]:
    """(listed phrase, matched original text) of each finding, in order."""
    return [(finding.phrase, finding.text) for finding in contract_vague_language_findings(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # case-insensitive
        ("The Supplier shall use BEST EFFORTS.", [("best efforts", "BEST EFFORTS")]),
        ("Best Efforts apply.", [("best efforts", "Best Efforts")]),
        ("Fixes ship As Soon As Possible.", [("as soon as possible", "As Soon As Possible")]),
        # any run of whitespace between words, including line breaks, tabs and non-breaking spaces
        ("use best   efforts", [("best efforts", "best   efforts")]),
        ("use best\nefforts", [("best efforts", "best\nefforts")]),
        ("use best \r\n\t efforts", [("best efforts", "best \r\n\t efforts")]),
        ("use best\u00a0efforts", [("best efforts", "best\u00a0efforts")]),
        ("respond as soon\n  as\tpossible", [("as soon as possible", "as soon\n  as\tpossible")]),
        # a hyphen counts as a separator too, with or without surrounding whitespace
        ("on a best-efforts basis", [("best efforts", "best-efforts")]),
        ("on a best-\nefforts basis", [("best efforts", "best-\nefforts")]),
        ("industry-standard quality", [("industry standard", "industry-standard")]),
        # punctuation right after a phrase does not stop it matching
        ("in good faith, promptly.", [("good faith", "good faith"), ("promptly", "promptly")]),
        ("(as needed)", [("as needed", "as needed")]),
        ("logs, metrics, etc. are kept", [("etc.", "etc.")]),
        ("logs, metrics, etc.", [("etc.", "etc.")]),
    ],
)
def test_phrases_are_found_ignoring_case_and_spacing(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Staffing shall be adequately planned.",  # "adequate" inside a longer word
        "An inadequate plan is a breach.",  # ... and at the end of one
        "She replied promptlyish.",
        "The tests are generallyapplicable.",
        "bestefforts",  # words of a phrase must be separated
        "best_efforts",  # an underscore joins words, it does not separate them
        "best.efforts",
        "as soon as possibleness",
        "goodfaith negotiations",
        "etcetera",
    ],
)
def test_phrases_match_whole_words_only(text: str) -> None:
    assert contract_vague_language_findings(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The Supplier shall resolve Severity 1 incidents within 4 hours of notification.",
        "Availability of 99.9% per calendar month, measured by the Customer's monitoring.",
        "Security incidents are notified within 24 hours; service credits apply per Schedule 3.",
        "   \n\t  ",
    ],
)
def test_clean_text_has_no_findings(text: str) -> None:
    assert contract_vague_language_findings(text) == []


@pytest.mark.parametrize("text", ["", None])
def test_empty_text_has_no_findings(text: str) -> None:
    assert contract_vague_language_findings(text) == []
    assert highlight_segments(text or "", []) == []


def test_finding_carries_phrase_reason_and_offsets() -> None:
    text = "The Vendor will provide Reasonable\n Support to users."
    reasonable_support = next(phrase for phrase in VAGUE_PHRASES if phrase.phrase == "reasonable support")

    assert contract_vague_language_findings(text) == [
        VagueFinding(
            phrase="reasonable support",
            why=reasonable_support.why,
            start=24,
            end=43,
            text="Reasonable\n Support",
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected_offsets"),
    [
        ("best efforts", [(0, 12)]),
        ("Use best efforts and best efforts again.", [(4, 16), (21, 33)]),
        ("Promptly, promptly and PROMPTLY.", [(0, 8), (10, 18), (23, 31)]),
        ("x\u00a0\u00a0best\u00a0efforts", [(3, 15)]),
        (
            "Vendor uses commercially  reasonable efforts;\nissues are fixed as soon as practicable.",
            [(12, 36), (63, 85)],
        ),
    ],
)
def test_every_occurrence_is_reported_at_offsets_that_slice_the_original(
    text: str, expected_offsets: list[tuple[int, int]]
) -> None:
    findings = contract_vague_language_findings(text)

    assert [(finding.start, finding.end) for finding in findings] == expected_offsets
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # earliest start wins: "reasonable support" starts later, inside the first finding
        ("commercially reasonable support", [("commercially reasonable", "commercially reasonable")]),
        ("commercially reasonable efforts", [("commercially reasonable", "commercially reasonable")]),
        # same start: the longest phrase wins over its shorter prefix-sharing siblings
        (
            "as soon as reasonably practicable",
            [("as soon as reasonably practicable", "as soon as reasonably practicable")],
        ),
        ("industry standard quality", [("industry standard", "industry standard")]),
        # back to back, not overlapping: both are reported
        (
            "reasonable efforts promptly where possible",
            [
                ("reasonable efforts", "reasonable efforts"),
                ("promptly", "promptly"),
                ("where possible", "where possible"),
            ],
        ),
    ],
)
def test_overlapping_phrases_resolve_to_earliest_then_longest(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("phrases", "text", "expected"),
    [
        # the longest of two phrases starting at the same place wins whichever order they are listed in
        (
            [VaguePhrase("support", "short"), VaguePhrase("support hours", "long")],
            "support hours apply",
            [("support hours", 0, 13)],
        ),
        (
            [VaguePhrase("support hours", "long"), VaguePhrase("support", "short")],
            "support hours apply",
            [("support hours", 0, 13)],
        ),
        # an earlier start beats a longer phrase that starts later
        (
            [VaguePhrase("b c d e", "later and longer"), VaguePhrase("a b", "earlier")],
            "a b c d e",
            [("a b", 0, 3)],
        ),
        # blank phrases match nothing instead of everything
        ([VaguePhrase("  ", "blank")], "any text", []),
        ([], "best efforts", []),
    ],
)
def test_custom_phrase_lists(phrases: list[VaguePhrase], text: str, expected: list[tuple[str, int, int]]) -> None:
    findings = contract_vague_language_findings(text, phrases=phrases)

    assert [(finding.phrase, finding.start, finding.end) for finding in findings] == expected


def test_findings_are_sorted_and_never_overlap() -> None:
    text = (
        "The Supplier shall use commercially reasonable efforts to provide reasonable support, "
        "respond promptly and in a timely manner, and from time to time review industry standard "
        "practices where appropriate, etc."
    )
    findings = contract_vague_language_findings(text)

    assert [finding.phrase for finding in findings] == [
        "commercially reasonable",
        "reasonable support",
        "promptly",
        "timely manner",
        "from time to time",
        "industry standard",
        "where appropriate",
        "etc.",
    ]
    for earlier, later in itertools.pairwise(findings):
        assert earlier.end <= later.start


def test_pattern_is_compiled_once_per_phrase_list() -> None:
    assert _compiled_phrases(tuple(VAGUE_PHRASES)) is _compiled_phrases(tuple(VAGUE_PHRASES))


@pytest.mark.parametrize(
    "text",
    [
        "best efforts",
        "Use best efforts.",
        "Plain text with nothing vague in it.",
        "promptly promptly",
        "commercially reasonable support, as soon as\npossible, etc.",
        "  leading and trailing whitespace where possible  ",
    ],
)
def test_highlight_segments_rebuild_the_original_text(text: str) -> None:
    findings = contract_vague_language_findings(text)
    segments = highlight_segments(text, findings)

    assert "".join(segment for segment, _finding in segments) == text
    assert all(segment for segment, _finding in segments)
    assert [finding for _segment, finding in segments if finding is not None] == findings
    for segment, finding in segments:
        if finding is not None:
            assert segment == finding.text


def test_highlight_segments_alternate_plain_and_flagged_text() -> None:
    text = "We will use best efforts and respond promptly."
    best_efforts, promptly = contract_vague_language_findings(text)

    assert highlight_segments(text, [promptly, best_efforts]) == [
        ("We will use ", None),
        ("best efforts", best_efforts),
        (" and respond ", None),
        ("promptly", promptly),
        (".", None),
    ]


def test_highlight_segments_without_findings_is_one_plain_segment() -> None:
    assert highlight_segments("Nothing to flag.", []) == [("Nothing to flag.", None)]


@pytest.mark.parametrize(
    "findings",
    [
        # overlapping findings
        [
            VagueFinding(phrase="a b", why="", start=0, end=3, text="a b"),
            VagueFinding(phrase="b c", why="", start=2, end=5, text="b c"),
        ],
        # offsets that do not hold the finding's text
        [VagueFinding(phrase="a b", why="", start=1, end=4, text="a b")],
        # an empty finding
        [VagueFinding(phrase="a", why="", start=2, end=2, text="")],
    ],
)
def test_highlight_segments_refuses_findings_that_do_not_fit_the_text(findings: list[VagueFinding]) -> None:
    with pytest.raises(ValueError):
        highlight_segments("a b c", findings)


@pytest.mark.parametrize("vague_phrase", VAGUE_PHRASES, ids=lambda vague_phrase: vague_phrase.phrase)
def test_every_listed_phrase_is_found_by_itself_and_in_a_sentence(vague_phrase: VaguePhrase) -> None:
    alone = contract_vague_language_findings(vague_phrase.phrase)
    sentence = f"The Vendor shall, {vague_phrase.phrase.upper()} and within scope, deliver."
    in_sentence = contract_vague_language_findings(sentence)

    assert [(finding.phrase, finding.start, finding.end) for finding in alone] == [
        (vague_phrase.phrase, 0, len(vague_phrase.phrase))
    ]
    assert [(finding.phrase, finding.text) for finding in in_sentence] == [
        (vague_phrase.phrase, vague_phrase.phrase.upper())
    ]
    assert alone[0].why == vague_phrase.why


@pytest.mark.parametrize("vague_phrase", VAGUE_PHRASES, ids=lambda vague_phrase: vague_phrase.phrase)
def test_every_listed_phrase_is_lower_case_single_spaced_and_explained(vague_phrase: VaguePhrase) -> None:
    assert vague_phrase.phrase == vague_phrase.phrase.lower()
    assert vague_phrase.phrase == " ".join(vague_phrase.phrase.split())
    assert vague_phrase.why.strip()
    assert vague_phrase.why.endswith(".")


def test_phrase_list_has_no_duplicates_and_covers_the_design() -> None:
    listed = [vague_phrase.phrase for vague_phrase in VAGUE_PHRASES]

    assert len(listed) == len(set(listed))
    assert 20 <= len(listed) <= 40
    # the examples docs/product/contracts.md names for the check
    for required in (
        "best efforts",
        "industry standard",
        "reasonable support",
        "commercially reasonable",
        "as soon as possible",
    ):
        assert required in listed


# -- pages of a long text ---------------------------------------------------------------------------------
PAGED_TEXTS = {
    "empty": "",
    "short": "We use best efforts.",
    "nothing but phrases": "etc. " * 1_000,
    "no whitespace at all": "x" * 50_000,
    "lines": "A clause that promises the result.\n" * 1_500,
    "sparse phrases": ("Plain words. " * 300 + "best efforts\n") * 20,
    "phrase over a page of whitespace": "best" + " " * 30_000 + "efforts and more text",
    "phrases across a break": ("y" * 19_990 + " best efforts ") * 4,
}


@pytest.mark.parametrize("text", list(PAGED_TEXTS.values()), ids=list(PAGED_TEXTS))
def test_text_pages_cover_the_text_within_their_limits(text: str) -> None:
    findings = contract_vague_language_findings(text)
    pages = contract_text_pages(text, findings)

    assert "".join(text[page.start : page.end] for page in pages) == text
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    assert [page.first for page in pages[1:]] == [page.last for page in pages[:-1]]
    if pages:
        assert (pages[0].first, pages[-1].last) == (0, len(findings))
    else:
        assert text == "" and findings == []
    for page in pages:
        on_page = findings[page.first : page.last]
        assert len(on_page) <= TEXT_PAGE_MAX_FINDINGS
        assert all(page.start <= finding.start and finding.end <= page.end for finding in on_page)
        # Only a page that is one finding by itself may be longer than a page.
        assert page.end - page.start <= TEXT_PAGE_MAX_CHARS or (
            len(on_page) == 1 and (on_page[0].start, on_page[0].end) == (page.start, page.end)
        )
        segments = highlight_segments(text, on_page, start=page.start, end=page.end)
        assert "".join(segment for segment, _finding in segments) == text[page.start : page.end]


def test_text_pages_end_at_a_line_break_where_one_is_near() -> None:
    text = "A clause that promises the result.\n" * 1_500
    pages = contract_text_pages(text, [])
    assert len(pages) > 1
    assert all(text[page.end - 1] == "\n" for page in pages)


def test_text_pages_of_dense_findings_hold_the_maximum_each() -> None:
    text = "etc. " * 1_000
    pages = contract_text_pages(text, contract_vague_language_findings(text))
    assert [page.last - page.first for page in pages] == [TEXT_PAGE_MAX_FINDINGS] * 10


def test_highlight_segments_of_a_part_refuse_findings_outside_it() -> None:
    text = "best efforts, then promptly"
    findings = contract_vague_language_findings(text)
    assert highlight_segments(text, findings[1:], start=12) == [(", then ", None), ("promptly", findings[1])]
    with pytest.raises(ValueError, match="outside"):
        highlight_segments(text, findings, start=0, end=7)
    with pytest.raises(ValueError, match="overlap"):
        highlight_segments(text, findings, start=5)


def test_phrase_counts_summarise_by_phrase_most_frequent_first() -> None:
    text = "promptly; best efforts; promptly; etc.; best efforts; promptly"
    counts = vague_phrase_counts(contract_vague_language_findings(text))
    assert [(count.phrase, count.count, count.first) for count in counts] == [
        ("promptly", 3, 0),
        ("best efforts", 2, 1),
        ("etc.", 1, 3),
    ]
