"""Query words to highlight, and safe <mark> wrapping of them in already-escaped HTML."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from rag.text.tokenize import CJK, content_words, english_stem, is_latin

# In escaped HTML, a tag or a character reference is copied as is; only the text between is searched.
_OPAQUE = r"<[^>]*>|&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);"


def query_terms(query: str) -> list[str]:
    """Surface words of the query worth highlighting, longest first.

    The keyword index's content words (``rag.text.tokenize``) before stemming; one-letter
    Latin words and one-character Chinese words are dropped (unless that character is
    the whole query).
    """
    whole = query.strip().lower()
    terms = {w for w in content_words(query) if (len(w) >= 2 or (not is_latin(w) and w == whole))}
    return sorted(terms, key=lambda t: (-len(t), t))


def _pattern(term: str) -> str:
    """Regex source for one term as it appears in escaped HTML."""
    escaped = re.escape(html.escape(term))
    if CJK.search(term):
        return escaped
    stem = english_stem(term)
    if len(stem) >= 4 and term.startswith(stem):  # hallucinations → hallucin… matches hallucination(s)
        return rf"(?<![0-9a-z]){re.escape(html.escape(stem))}[a-z]*"
    return rf"(?<![0-9a-z]){escaped}s?(?![0-9a-z])"


@lru_cache(maxsize=256)
def _matcher(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    return re.compile(f"({_OPAQUE})|({'|'.join(_pattern(t) for t in terms)})", re.IGNORECASE)


def mark(escaped_html: str, terms: list[str] | tuple[str, ...]) -> str:
    """Wrap case-insensitive occurrences of ``terms`` in ``<mark>``.

    ``escaped_html`` must already be safe HTML (``html.escape`` output, or the
    output of a Markdown renderer with raw HTML disabled): tags and character
    references are skipped, so a mark never lands inside them.
    """
    matcher = _matcher(tuple(terms))
    if matcher is None:
        return escaped_html
    return matcher.sub(lambda m: m.group(1) or f"<mark>{m.group(2)}</mark>", escaped_html)
