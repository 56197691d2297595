"""Errors of practice mode; all are ``RagError``s, so the CLI and the page report them in one line."""

from __future__ import annotations

from ..errors import RagError


class PracticeInputError(RagError):
    """An answer or a question choice that cannot be practised (empty answer, unknown question id)."""


class HistoryError(RagError):
    """The practice history database cannot be used (missing folder, locked, damaged); names the file."""
