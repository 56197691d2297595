"""Query text cleaning shared by every way in (CLI, page, JSON API): one place decides what a question is."""

from __future__ import annotations

import unicodedata

EMPTY = "The question is empty: type a question. 问题为空，请输入问题。"
REMOVED = "Invisible or invalid characters were removed from the question. 已移除问题中的不可见或无效字符。"
# Control, format (zero-width, bidi overrides, BOM) and lone-surrogate code points: never meaningful in a
# question, and a lone surrogate cannot even be encoded for the embedder.
_DROPPED = ("Cc", "Cf", "Cs")
# Only this many characters of a huge request are looked at: enough for any limit plus collapsed spaces.
_SCAN_FACTOR = 8


def truncated_notice(limit: int) -> str:
    return f"The question was longer than {limit} characters and was truncated. 问题过长，已截断。"


def _strip_invisible(text: str) -> tuple[str, bool]:
    """Whitespace becomes a space; control, format and surrogate characters go. Returns (text, removed any)."""
    if text.isprintable():  # the common case: nothing to look at character by character
        return text, False
    kept: list[str] = []
    removed = False
    for ch in text:
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) in _DROPPED:
            removed = True
        else:
            kept.append(ch)
    return "".join(kept), removed


def clean_query(query: object, limit: int) -> tuple[str, str]:
    """The question as searched, and a notice for the user ("" when nothing was changed that they should know).

    Whitespace runs collapse to one space; invisible and invalid characters are removed; text beyond
    ``limit`` characters is cut. Work is bounded by ``limit``, not by the size of the request.
    """
    raw = query if isinstance(query, str) else ("" if query is None else str(query))
    scan = max(limit, 1) * _SCAN_FACTOR
    cut = len(raw) > scan
    text, removed = _strip_invisible(raw[:scan])
    text = " ".join(text.split())
    if not text:
        return "", EMPTY
    notices = [REMOVED] if removed else []
    if cut or len(text) > limit:
        text = text[:limit].rstrip()
        notices.append(truncated_notice(limit))
    return text, " ".join(notices)
