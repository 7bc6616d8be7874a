"""Global search: the registry of what can be searched, and the one way text is matched.

Each app that owns a kind of record registers a provider from its ``AppConfig.ready`` (vendors:
vendors, people, certifications, risks; contracts; functions), so core — the lowest floor — never
imports them. A provider is ``search(user, query, limit) -> list[SearchHit]``: it reads through its
app's scoped list selector for ``user`` (the same rows the list page shows that person), narrows them
with ``search_queryset`` and returns at most ``limit`` hits, best first. The header box's page
(``/search/?q=``) and the ⌘K / Ctrl-K palette (``/search/palette?q=``) ask every provider, one query
each, and show the hits grouped by kind.

Matching (``search_queryset``) is PostgreSQL's, through the ``unaccent`` and ``pg_trgm`` extensions and
the IMMUTABLE wrapper ``vg_unaccent(text)`` (apps/core/migrations/0003_search_extensions.py) that the
trigram GIN indexes of the searched columns are built on:

- accent- and case-insensitive: ``vg_unaccent(column) ILIKE vg_unaccent('%query%')`` — "krakow" finds
  "Kraków Software";
- typos tolerated: ``vg_unaccent(query) <% vg_unaccent(column)`` (pg_trgm's word similarity, at its
  threshold ``pg_trgm.word_similarity_threshold``, 0.6 by default) — "krakw" finds it too — for queries of
  ``TYPO_MIN_CHARS`` characters or more;
- several words: full text over the columns together, every word a prefix of a word there
  (``to_tsvector('simple', vg_unaccent(…)) @@ to_tsquery('simple', 'word:* & word:*')``), in any order.

Ranked: the whole column equal to the query, then a column starting with it (or a word of it starting with
it), then containing it, then the rest (similar, or the words found apart); within a rank the higher word
similarity first. The lists' own ``q`` filters use ``unaccent_contains``, the same accent-insensitive
containment on the same indexed expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Model,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Greatest, Least

# The longest query a search takes (the box says so; longer is a form error, never a 500).
MAX_QUERY_CHARS = 200
# Trigram similarity of shorter queries matches noise ("ab" is similar to half the portfolio).
TYPO_MIN_CHARS = 3
# Hits per kind: the palette shows a few, the results page more, each group links to its full list.
PALETTE_LIMIT = 5
PAGE_LIMIT = 20

# Ranks (lower is better).
RANK_EXACT = 0
RANK_PREFIX = 1
RANK_CONTAINS = 2
RANK_OTHER = 3

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class SearchHit:
    """One record found: what the result shows and where it leads."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class SearchProvider:
    kind: str
    label: str
    search: Callable[[Any, str, int], list[SearchHit]]
    order: int = 100
    # The list page showing every match (``?q=``), for kinds whose list has the same search.
    more_url: Callable[[str], str] | None = None


@dataclass
class SearchGroup:
    """The hits of one kind, for a results page or the palette."""

    kind: str
    label: str
    hits: list[SearchHit] = field(default_factory=list)
    more_url: str = ""


_PROVIDERS: dict[str, SearchProvider] = {}


def register_search(
    kind: str,
    label: str,
    search: Callable[[Any, str, int], list[SearchHit]],
    *,
    order: int = 100,
    more_url: Callable[[str], str] | None = None,
) -> None:
    """Make ``kind`` searchable (again: registering a kind twice replaces it, so a ``ready()`` run twice is
    harmless). ``label`` is the group's heading ("Vendors"); ``order`` places the group."""
    _PROVIDERS[kind] = SearchProvider(kind=kind, label=label, search=search, order=order, more_url=more_url)


def search_providers() -> list[SearchProvider]:
    return sorted(_PROVIDERS.values(), key=lambda provider: (provider.order, provider.kind))


def normalise_query(query: str) -> str:
    """The query as matched: spaces collapsed, NUL characters (which PostgreSQL refuses in text) dropped."""
    return " ".join(query.replace("\x00", " ").split())


def search_everything(*, user: Any, query: str, limit: int) -> list[SearchGroup]:
    """Every provider's hits for ``query`` (at most ``limit`` each), in group order, kinds without hits
    left out. One query per provider."""
    query = normalise_query(query)[:MAX_QUERY_CHARS]
    if not query:
        return []
    groups = []
    for provider in search_providers():
        hits = provider.search(user, query, limit)
        if hits:
            more = provider.more_url(query) if provider.more_url else ""
            groups.append(SearchGroup(kind=provider.kind, label=provider.label, hits=hits, more_url=more))
    return groups


# -- the SQL -------------------------------------------------------------------------------------------------
class Unaccent(Func):
    """``vg_unaccent(text)``: the text without its accents (the IMMUTABLE wrapper the indexes use)."""

    function = "vg_unaccent"
    output_field = TextField()


class ILike(Func):
    """``text ILIKE pattern`` (pg_trgm's GIN index answers it; Django's ``icontains`` writes UPPER(…) LIKE,
    which no index of ours matches)."""

    arg_joiner = " ILIKE "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class WordSimilar(Func):
    """``query <% text``: some word-sized part of ``text`` is similar to ``query`` (pg_trgm), indexed."""

    arg_joiner = " <%% "  # %% : the SQL goes through the driver's parameter formatting
    template = "(%(expressions)s)"
    output_field = BooleanField()


class WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


class SimpleTsVector(Func):
    """``to_tsvector('simple', text)``: the ``simple`` configuration has no stemming and no stop words, right
    for names and references in any language."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = TextField()  # a tsvector; only ever compared with @@


class SimpleTsQuery(Func):
    template = "to_tsquery('simple'::regconfig, %(expressions)s)"
    output_field = TextField()  # a tsquery


class FullTextMatch(Func):
    """``tsvector @@ tsquery``."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _text(value: str | Expression) -> F | Expression:
    return F(value) if isinstance(value, str) else value


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pattern(text: str) -> Unaccent:
    return Unaccent(Value(text, output_field=TextField()))


def unaccent_contains(fields: Sequence[str | Expression], value: str) -> Q:
    """Rows where any of ``fields`` contains ``value``, ignoring case and accents (the lists' ``q``)."""
    value = normalise_query(value)
    condition = Q()
    if not value:
        return condition
    pattern = _pattern(f"%{_like_escape(value)}%")
    for name in fields:
        condition |= Q(ILike(Unaccent(_text(name)), pattern))
    return condition


def query_words(query: str) -> list[str]:
    """The words of a query (letters and digits), each a prefix for full text."""
    return re.findall(r"[^\W_]+", query)


def search_queryset(
    queryset: QuerySet[M],
    fields: Sequence[str | Expression],
    query: str,
    *,
    then_by: Sequence[str] = ("pk",),
) -> QuerySet[M]:
    """The rows of ``queryset`` that ``query`` finds on any of ``fields`` (field names, may cross a
    relation, or text expressions), annotated ``search_rank`` (0 best) and ``search_similarity`` and
    ordered by them, then by ``then_by``. The caller slices."""
    query = normalise_query(query)[:MAX_QUERY_CHARS]
    if not query:
        return queryset.none()
    escaped = _like_escape(query)
    exact, prefix, word_prefix, contains = (
        _pattern(escaped),
        _pattern(f"{escaped}%"),
        _pattern(f"% {escaped}%"),
        _pattern(f"%{escaped}%"),
    )
    unaccented_query = _pattern(query)
    # vg_unaccent(column) exactly as the trigram indexes are built on it (no COALESCE around it: a NULL
    # column simply matches nothing).
    columns = [Unaccent(_text(name)) for name in fields]
    found = Q()
    ranks = []
    similarities = []
    typos = len(query) >= TYPO_MIN_CHARS
    for column in columns:
        found |= Q(ILike(column, contains))
        if typos:
            found |= Q(WordSimilar(unaccented_query, column))
        ranks.append(
            Case(
                When(ILike(column, exact), then=Value(RANK_EXACT)),
                When(ILike(column, prefix) | Q(ILike(column, word_prefix)), then=Value(RANK_PREFIX)),
                When(ILike(column, contains), then=Value(RANK_CONTAINS)),
                default=Value(RANK_OTHER),
                output_field=IntegerField(),
            )
        )
        similarities.append(WordSimilarity(unaccented_query, column))
    words = query_words(query)
    if len(words) > 1:
        document = Func(Value(" "), *columns, function="concat_ws", output_field=TextField())
        tsquery = Unaccent(Value(" & ".join(f"{word}:*" for word in words), output_field=TextField()))
        found |= Q(FullTextMatch(SimpleTsVector(document), SimpleTsQuery(tsquery)))
    rank: Any = ranks[0] if len(ranks) == 1 else Least(*ranks)
    similarity: Any = similarities[0] if len(similarities) == 1 else Greatest(*similarities)
    found_rows = queryset.filter(found).annotate(search_rank=rank, search_similarity=similarity)
    # The rows are still M's (the stubs type an annotated queryset's rows apart).
    return cast("QuerySet[M]", found_rows.order_by("search_rank", "-search_similarity", *then_by))


def trigram_index(field_name: str, *, name: str) -> GinIndex:
    """The GIN trigram index on ``vg_unaccent(field)`` that the matching above uses (ILIKE and ``<%``)."""
    return GinIndex(OpClass(Unaccent(F(field_name)), name="gin_trgm_ops"), name=name)
