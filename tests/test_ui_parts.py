"""The page's part filter: its choices and accepted values come from the bank, not a constant."""

from __future__ import annotations

import gradio as gr
import pytest

from ui.parts import parse_part, part_choices


def test_the_choices_list_every_part_the_bank_has():
    assert part_choices((1, 2, 3, 4)) == [("全部 All", "all"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]


@pytest.mark.parametrize(("value", "part"), [("all", None), ("", None), (None, None), ("4", 4), (2, 2)])
def test_a_part_of_the_bank_is_accepted(value, part):
    assert parse_part(value, (1, 2, 3, 4)) == part


@pytest.mark.parametrize("value", ["5", 5, True, "1.0", "x", 0])
def test_anything_else_is_refused_naming_the_parts(value):
    with pytest.raises(gr.Error, match=r"one of the bank's parts \('1', '2', '3', '4'\)"):
        parse_part(value, (1, 2, 3, 4))
