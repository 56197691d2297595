"""The part filter of the page's tabs: its choices and its checked value follow the bank's parts."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr

ALL = "all"


def part_choices(parts: Sequence[int]) -> list[tuple[str, str]]:
    """The radio's choices: all parts, then each part the bank has (1, 2, 3, … as the corpus says)."""
    return [("全部 All", ALL)] + [(str(n), str(n)) for n in parts]


def parse_part(value: object, parts: Sequence[int]) -> int | None:
    """The part a page event asks for (None: all), or a gr.Error naming the parts the bank has.

    Values arrive unprocessed: a raw API call may send anything, so ``True`` is not part 1.
    """
    if value in (None, "", ALL):
        return None
    if type(value) is int or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        if number in parts:
            return number
    known = ", ".join(f"'{n}'" for n in parts)
    raise gr.Error(f"部分 part must be 'all' or one of the bank's parts ({known}), got {value!r:.40}")
