"""The contract vague-language check: where in a contract's text accountability disappears.

``contract_vague_language_findings`` finds every occurrence of the phrases in
``apps.contracts.vague_phrases`` and reports each with its place (character offsets into the original
text) and the reason it is a problem. ``highlight_segments`` cuts the text into plain and flagged pieces
so a template can render the highlighting with autoescaping on, without any HTML built in Python::

    {% for segment, finding in segments %}{% if finding %}<mark title="{{ finding.why }}">{{ segment }}</mark>{% else %}{{ segment }}{% endif %}{% endfor %}

Matching rules:

- Case-insensitive: "Best Efforts" is found by "best efforts".
- Between the words of a phrase, any run of whitespace (spaces, tabs, line breaks, non-breaking and other
  Unicode spaces) or a hyphen, optionally surrounded by whitespace, counts as one separator: "best
  efforts", "best-efforts" and "best" at the end of one line with "efforts" on the next are the same
  phrase. Contracts are often pasted from PDFs, where line wrapping and hyphenation are accidents.
- Whole words only: a phrase must neither start nor end inside a longer word, so "adequate" does not
  match "adequately" or "inadequate". A hyphen is not part of a word, so "non-adequate" still flags
  "adequate" and "best-efforts-based" still flags "best-efforts".
- Every occurrence is reported, sorted by start. Findings never overlap: where two phrases compete for
  the same text, the one that starts earliest wins, then the longest (so "commercially reasonable
  support" yields "commercially reasonable", not also "reasonable support").

A page shows a bounded part of the text however long it is (a text made of nothing but vague phrases has
one finding every few characters): ``contract_text_pages`` cuts the text into pages of at most
``TEXT_PAGE_MAX_CHARS`` characters and ``TEXT_PAGE_MAX_FINDINGS`` findings, and ``vague_phrase_counts``
summarises all findings by phrase.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from apps.contracts.vague_phrases import VAGUE_PHRASES, VaguePhrase

# Whitespace, or a hyphen (ASCII, Unicode hyphen, non-breaking hyphen) with optional whitespace around it.
_WORD_SEPARATOR = r"(?:\s*[-\u2010\u2011]\s*|\s+)"
_PHRASE_WORD_SPLITTER = re.compile(r"[\s\-\u2010\u2011]+")

# One page of a contract's text: some seven printed pages, and never more highlights than a reader can
# take in, so its HTML stays in the tens of kilobytes whatever the text is made of.
TEXT_PAGE_MAX_CHARS = 20_000
TEXT_PAGE_MAX_FINDINGS = 100


@dataclass(frozen=True)
class VagueFinding:
    """One occurrence of a vague phrase: which listed phrase, why it matters, and where it is.

    ``start`` and ``end`` are offsets into the original text and ``text`` is exactly
    ``original[start:end]``, with the contract's own casing and spacing.
    """

    phrase: str
    why: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _CompiledPhrases:
    pattern: re.Pattern[str]
    # The phrase behind capturing group n is ``phrase_by_group[n - 1]``.
    phrase_by_group: tuple[VaguePhrase, ...]


def _phrase_words(phrase: str) -> list[str]:
    return [word for word in _PHRASE_WORD_SPLITTER.split(phrase.strip()) if word]


@lru_cache(maxsize=16)
def _compiled_phrases(phrases: tuple[VaguePhrase, ...]) -> _CompiledPhrases | None:
    """One alternation for all phrases, compiled once per phrase list (``None`` if nothing to match)."""
    words_by_phrase = [(phrase, _phrase_words(phrase.phrase)) for phrase in phrases]
    matchable = [(phrase, words) for phrase, words in words_by_phrase if words]
    if not matchable:
        return None
    # ``finditer`` already returns the earliest-starting match and resumes after it, so findings never
    # overlap. At one start position the regex engine takes the first alternative that matches, not the
    # longest, so longer phrases are listed first. Two phrases that match at the same position match the
    # same words, one a prefix of the other, so more words means a longer match; among equal word counts,
    # more characters wins ("etc." before "etc").
    matchable.sort(key=lambda item: (-len(item[1]), -len(" ".join(item[1]))))
    alternatives = ["(" + _WORD_SEPARATOR.join(re.escape(word) for word in words) + ")" for _phrase, words in matchable]
    # Lookarounds rather than ``\b``: a phrase may end in punctuation ("etc."), where ``\b`` would demand
    # a letter to follow.
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    return _CompiledPhrases(pattern=pattern, phrase_by_group=tuple(phrase for phrase, _words in matchable))


def contract_vague_language_findings(
    text: str, *, phrases: Sequence[VaguePhrase] = VAGUE_PHRASES
) -> list[VagueFinding]:
    """Every vague phrase in ``text``, in order of appearance, none overlapping another."""
    if not text:
        return []
    compiled = _compiled_phrases(tuple(phrases))
    if compiled is None:
        return []
    findings: list[VagueFinding] = []
    for match in compiled.pattern.finditer(text):
        # Exactly one phrase group takes part in a match, and it is the only (hence last) group.
        group_number = match.lastindex
        assert group_number is not None
        phrase = compiled.phrase_by_group[group_number - 1]
        findings.append(
            VagueFinding(phrase=phrase.phrase, why=phrase.why, start=match.start(), end=match.end(), text=match[0])
        )
    return findings


def highlight_segments(
    text: str, findings: Sequence[VagueFinding], *, start: int = 0, end: int | None = None
) -> list[tuple[str, VagueFinding | None]]:
    """``text[start:end]`` (all of it by default) cut into consecutive ``(segment, finding)`` pieces:
    ``None`` for plain text, the finding for flagged text. Joining the segments gives back that part of
    the text; no segment is empty.

    Raises ``ValueError`` if the findings overlap, do not belong to this text or lie outside the part,
    because highlighting them would silently misplace or duplicate words.
    """
    end = len(text) if end is None else end
    segments: list[tuple[str, VagueFinding | None]] = []
    position = start
    for finding in sorted(findings, key=lambda finding: (finding.start, finding.end)):
        if finding.start < position:
            raise ValueError(f"Vague-language findings overlap at offset {finding.start}.")
        if finding.end > end:
            raise ValueError(
                f"Vague-language finding {finding.text!r} at offset {finding.start} lies outside the part."
            )
        if text[finding.start : finding.end] != finding.text or finding.start >= finding.end:
            raise ValueError(f"Vague-language finding {finding.text!r} does not match the text at its offsets.")
        if finding.start > position:
            segments.append((text[position : finding.start], None))
        segments.append((finding.text, finding))
        position = finding.end
    if position < end:
        segments.append((text[position:end], None))
    return segments


@dataclass(frozen=True)
class TextPage:
    """One page of a contract's text: ``text[start:end]``, holding ``findings[first:last]``."""

    number: int
    start: int
    end: int
    first: int
    last: int


def _page_break(text: str, start: int, end: int) -> int:
    """Where a page that may run to ``end`` best ends: after a line break, else after a space, in its
    last quarter; ``end`` itself when there is neither."""
    floor = start + (end - start) * 3 // 4
    for separator in ("\n", " "):
        at = text.rfind(separator, floor, end)
        if at >= 0:
            return at + 1
    return end


def contract_text_pages(
    text: str,
    findings: Sequence[VagueFinding],
    *,
    max_chars: int = TEXT_PAGE_MAX_CHARS,
    max_findings: int = TEXT_PAGE_MAX_FINDINGS,
) -> list[TextPage]:
    """``text`` cut into consecutive pages of at most ``max_chars`` characters holding at most
    ``max_findings`` of ``findings`` (as returned by ``contract_vague_language_findings``: in order, none
    overlapping). A page ends at a line break or a space where one is near, and never inside a finding;
    only a single finding longer than ``max_chars`` (a phrase spread over a huge run of whitespace) makes
    a longer page, of its own. An empty text has no pages."""
    pages: list[TextPage] = []
    start = first = 0
    count = len(findings)
    while start < len(text):
        end = min(len(text), start + max_chars)
        if first + max_findings < count:
            # Finding number ``first + max_findings`` starts after ``start`` (findings do not overlap and
            # are never empty), so the page is never empty.
            end = min(end, findings[first + max_findings].start)
        if end < len(text):
            end = _page_break(text, start, end)
        last = first
        while last < count and findings[last].end <= end:
            last += 1
        if last < count and findings[last].start < end:  # the page would end inside this finding
            if findings[last].start > start:
                end = findings[last].start
            else:
                end = findings[last].end
                last += 1
        pages.append(TextPage(number=len(pages) + 1, start=start, end=end, first=first, last=last))
        start, first = end, last
    return pages


@dataclass(frozen=True)
class PhraseCount:
    """How often one listed phrase occurs in a text, and where first (the index of its first finding)."""

    phrase: str
    why: str
    count: int
    first: int


def vague_phrase_counts(findings: Sequence[VagueFinding]) -> list[PhraseCount]:
    """The findings summarised by listed phrase: the most frequent first, then in order of appearance."""
    counts = Counter(finding.phrase for finding in findings)
    firsts: dict[str, tuple[int, VagueFinding]] = {}
    for index, finding in enumerate(findings):
        firsts.setdefault(finding.phrase, (index, finding))
    summary = [
        PhraseCount(phrase=phrase, why=finding.why, count=counts[phrase], first=index)
        for phrase, (index, finding) in firsts.items()
    ]
    return sorted(summary, key=lambda item: (-item.count, item.first))
