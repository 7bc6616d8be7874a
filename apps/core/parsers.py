"""The API's one request parser (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``): JSON, bounded.

DRF's parser hands Python's ``json`` whatever arrives, and a document nested a thousand levels deep
escapes it as a ``RecursionError`` (a 500). This one refuses, as a 400 (``ParseError``) before any view
sees the data:

- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's limit of a form body, 2.5 MB by default);
- a document nested deeper than ``MAX_JSON_DEPTH`` levels (an object or a list in an object or a list …);
- text PostgreSQL cannot store, anywhere in the document (keys included): the NUL character
  (``\\u0000``), and a lone UTF-16 surrogate (``\\ud800``), which is no character at all;
- ``NaN`` and ``Infinity``, which are not JSON.

Form bodies are not read by the API: every operation takes JSON (the OpenAPI document says so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deep enough for every body the API takes (a bulk request is three levels: {"rows": [{...}]}).
MAX_JSON_DEPTH = 32


def body_too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is larger than the {limit:,} bytes a request may carry."


def unstorable_text_problem(text: str) -> str | None:
    """Why PostgreSQL could not store ``text``, or ``None``."""
    if "\x00" in text:
        return "Text may not contain the NUL character (\\u0000)."
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "Text may not contain a lone UTF-16 surrogate (\\ud800–\\udfff)."
    return None


def document_problem(data: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """What makes a parsed document unacceptable (too deep, text that cannot be stored), or ``None``.
    Iterative, so a deep document cannot exhaust the stack here either."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            problem = unstorable_text_problem(value)
            if problem:
                return problem
        elif isinstance(value, Mapping | list):
            if depth > max_depth:
                return f"The document is nested deeper than {max_depth} levels."
            if isinstance(value, Mapping):
                for key, item in value.items():
                    problem = unstorable_text_problem(key)
                    if problem:
                        return problem
                    pending.append((item, depth + 1))
            else:
                pending.extend((item, depth + 1) for item in value)
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


class DocumentError(ValueError):
    """Why bytes are not an acceptable JSON document: ``syntax`` when they are not JSON at all (the
    reason is the decoder's), otherwise a document this API refuses (too deep, unstorable text)."""

    def __init__(self, reason: str, *, syntax: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.syntax = syntax


def json_document(raw: bytes, encoding: str = "utf-8") -> Any:
    """``raw`` parsed as JSON with every limit of this module but the size (the caller bounds what it
    reads): no NaN or Infinity, at most ``MAX_JSON_DEPTH`` levels, only text PostgreSQL can store.
    Shared by the API's parser and the telemetry receivers, which read their body raw."""
    try:
        data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
    except RecursionError:
        raise DocumentError(f"the document is nested deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:  # a JSONDecodeError, a UnicodeDecodeError, NaN
        raise DocumentError(str(exc), syntax=True) from None
    problem = document_problem(data)
    if problem:
        raise DocumentError(problem)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded in size and depth, refusing text PostgreSQL cannot store."""

    def parse(self, stream: IO[Any] | None, media_type: str | None = None, parser_context: Any = None) -> Any:
        if stream is None:
            return None
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(body_too_large_message())
        try:
            return json_document(raw, encoding)
        except DocumentError as exc:
            raise ParseError(f"JSON parse error - {exc.reason}") from None
