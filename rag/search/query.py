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


def strip_invisible(text: str, keep_lines: bool = False) -> tuple[str, bool]:
    """Whitespace becomes a space (a line break stays one when ``keep_lines``); control, format and
    surrogate characters go. Returns (text, removed any). Practice answers use it too."""
    if text.isprintable():  # the common case: nothing to look at character by character
        return text, False
    kept: list[str] = []
    removed = False
    for ch in text:
        if ch.isspace():
            kept.append("\n" if keep_lines and ch == "\n" else " ")
        elif unicodedata.category(ch) in _DROPPED:
            removed = True
        else:
            kept.append(ch)
    return "".join(kept), removed


def clean_query(query: object, limit: int) -> tuple[str, str]:
    """The question as searched, and a notice for the user ("" when nothing was changed that they should know).

    Whitespace runs collapse to one space; invisible and invalid characters are removed; text beyond
    ``limit`` characters is cut. The request is read in windows of ``8 × limit`` characters until
    ``limit`` visible ones are found, so blanks and invisible characters before the question never
    hide it (probe N12) and ordinary text, however long, costs one window.
    """
    raw = query if isinstance(query, str) else ("" if query is None else str(query))
    window = max(limit, 1) * _SCAN_FACTOR
    kept: list[str] = []
    removed, start, visible = False, 0, 0
    while start < len(raw) and visible <= limit:
        piece, dropped = strip_invisible(raw[start : start + window])
        kept.append(piece)
        removed = removed or dropped
        visible += len(piece) - piece.count(" ")
        start += window
    cut = start < len(raw)
    text = " ".join("".join(kept).split())
    if not text:
        return "", EMPTY
    notices = [REMOVED] if removed else []
    if cut or len(text) > limit:
        text = text[:limit].rstrip()
        notices.append(truncated_notice(limit))
    return text, " ".join(notices)
