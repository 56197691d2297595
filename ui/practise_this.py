"""“练习这道题 Practise this” on the search page: the question just searched, opened in the Practice tab.

For ``match`` it is the bank's question; for ``related`` a question of your own whose key points are
borrowed from the sections that help (``rag.practice.own``); ``none`` offers no practice and says why.
The offer follows the search's JSON output, so the named ``/search`` endpoint keeps its two outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rag import AnswerFinder, RagError
from rag.practice import HistoryError, PracticeInputError
from rag.practice.own import SEARCHED_SECTIONS
from rag.search.verdict import MATCH, RELATED

from .parts import parse_part
from .practice_tab import PracticeTab, unchanged
from .render import esc, toast

OFFERS = {
    MATCH: "这是题库里的题 A prepared question: practise the bank's question {qid} and see which key points you cover.",
    RELATED: (
        "题库没有这道题的准备答案 No prepared answer exists: practise it against the key points of the sections that "
        "help, each linked to its answer. It is kept in your practice history."
    ),
}
NO_PRACTICE = "无法练习 No practice for this question: {reason}"


@dataclass
class Offer:
    """The button and the line that says what it will do."""

    button: gr.Button
    note: gr.HTML


def layout() -> Offer:
    """The offer, hidden until a search has a verdict (call where it should appear on the search tab)."""
    with gr.Row(elem_id="rag-practise-row", equal_height=True):
        button = gr.Button("练习这道题 Practise this", visible=False, scale=0, min_width=180, elem_id="rag-practise")
        note = gr.HTML("", min_width=160, elem_id="rag-practise-note")
    return Offer(button, note)


def offer(data: dict | None):
    """The button's visibility and the note, from the search's JSON output."""
    if not isinstance(data, dict) or not data.get("results"):
        return gr.Button(visible=False), ""
    verdict = data.get("verdict")
    if verdict in OFFERS:
        qid = esc(str(data["results"][0].get("question_id", "")))
        return gr.Button(visible=True), f'<span class="rag-practise-note">{OFFERS[verdict].format(qid=qid)}</span>'
    reason = esc(str(data.get("reason") or "nothing in the bank is close enough"))
    note = NO_PRACTICE.format(reason=reason)
    return gr.Button(visible=False), f'<span class="rag-practise-note rag-muted">{note}</span>'


def wire(offer_: Offer, data: gr.JSON, part: gr.Radio, tabs: gr.Tabs, tab: PracticeTab, finder: AnswerFinder) -> None:
    """Show the offer after each search; the button opens the question in the Practice tab."""
    private = dict(api_visibility="private")
    data.change(offer, inputs=[data], outputs=[offer_.button, offer_.note], show_progress="hidden", **private)

    def practise(token: str | None, searched: dict | None, part_value: object = "all"):
        query = searched.get("query") if isinstance(searched, dict) else None
        outputs = len(tab.show_outputs()) + 1
        if not query:
            return unchanged("先搜索一个问题 Search a question first.", outputs)
        try:
            response = finder.search(query, SEARCHED_SECTIONS, parse_part(part_value, finder.parts))
            reference = tab.handlers.mine(token).from_search(response, finder.searcher.verdict_rule)
        except PracticeInputError as exc:
            return unchanged(str(exc), outputs)
        except (HistoryError, RagError) as exc:
            raise gr.Error(toast(str(exc))) from exc
        return (gr.Tabs(selected="practice"), *tab.handlers.show(token, reference))

    offer_.button.click(practise, inputs=[tab.token, data, part], outputs=[tabs, *tab.show_outputs()],
                        concurrency_id="practice", concurrency_limit=2, **private)
