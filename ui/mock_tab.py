"""The 模拟面试 Mock round tab: N questions in a row with a timer each, then a report to read and save.

Rounds live on the server (``rag.practice.mock.MockRound``), one per start, the page holding only its
id; each answer is saved when it is submitted, so a round left halfway keeps what was answered. The
report is offered as a Markdown file made in the browser (no file is written on the server).
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import gradio as gr

from rag import AnswerFinder, RagError
from rag.practice import HistoryError, PracticeInputError
from rag.practice.mock import DEFAULT_QUESTIONS, MAX_QUESTIONS, MIN_QUESTIONS, MockRound, plan_round, question_count
from rag.practice.own import SEARCHED_SECTIONS

from . import practice_render
from .parts import parse_part, part_choices
from .practice_tab import DEFAULT_SECONDS, PracticeTab, countdown_js, shows_problems, unchanged
from .render import esc, markdown_html, toast

ROUNDS_KEPT = 64  # rounds in progress kept on the server (the oldest is dropped first)
OUTPUTS = 6  # every event of the tab sets six components (see _wire)
GONE = "这一轮已不在服务器上 This round is no longer on the server (it was restarted, or many rounds started since): " \
    "start a new one. Your answers so far are saved."
IDLE = '<div class="pr-question pr-muted">选好题数，点“开始” Choose how many questions and press Start.</div>'


@dataclass
class _Parts:
    count: gr.Slider
    part: gr.Radio
    start_btn: gr.Button
    shown: gr.HTML
    seconds: gr.Number
    timer_btn: gr.Button
    countdown: gr.HTML
    answer: gr.Textbox
    submit_btn: gr.Button
    skip_btn: gr.Button
    end_btn: gr.Button
    log: gr.HTML
    report: gr.HTML
    round_id: gr.State
    started: gr.State


class _Handlers:
    """Start a round, answer or skip its questions, end it; each returns component values."""

    def __init__(self, finder: AnswerFinder, tab: PracticeTab):
        self.finder = finder
        self.tab = tab
        self._rounds: OrderedDict[str, tuple[str, MockRound]] = OrderedDict()  # id: (token, round)
        self._lock = threading.Lock()

    def _round(self, token: str | None, round_id: str | None) -> MockRound:
        """The round this page started (a round is answered only with the history token it began with)."""
        with self._lock:
            owner, mock = self._rounds.get(round_id or "", (None, None))
        if mock is None or owner != (token or ""):
            raise PracticeInputError(GONE)
        return mock

    @shows_problems
    def start(self, token: str | None, count: object, part: object):
        """A new round: its first question shown, the clock started, log and report cleared."""
        try:
            size = question_count(count)
            number = parse_part(part, self.tab.handlers.parts())
            mock = plan_round(
                self.tab.handlers.mine(token), size, number, lambda q: self.finder.search(q, SEARCHED_SECTIONS),
                self.finder.searcher.verdict_rule,
            )
        except PracticeInputError as exc:
            return unchanged(str(exc), OUTPUTS)
        round_id = uuid.uuid4().hex
        with self._lock:
            self._rounds[round_id] = (token or "", mock)
            while len(self._rounds) > ROUNDS_KEPT:
                self._rounds.popitem(last=False)
        return round_id, self._question(mock), time.time(), "", "", ""

    def _question(self, mock: MockRound) -> str:
        question = mock.current
        if question is None:
            return '<div class="pr-question pr-muted">本轮结束 The round is over: the report is below.</div>'
        head = f'<div class="mk-step">第 {mock.position + 1} / {len(mock.questions)} 题 Question ' \
            f'{mock.position + 1} of {len(mock.questions)}</div>'
        return head + practice_render.question_html(question.reference, question.kind)

    def _log(self, mock: MockRound) -> str:
        items = []
        for question, submission in zip(mock.questions, mock.submissions):
            title = esc(f"{question.reference.question_id} {question.reference.question}".strip())
            if submission is None:
                items.append(f'<li class="mk-skipped">{title} — 跳过 skipped</li>')
                continue
            missed = esc(", ".join(submission.feedback.missed) or "none")
            items.append(f'<li>{title} — 覆盖率 coverage <b>{submission.feedback.coverage}</b> · missed: {missed}</li>')
        return f'<ol class="mk-log">{"".join(items)}</ol>' if items else ""

    def _after(self, token: str | None, mock: MockRound):
        """Values after an answer or a skip: the next question, or the report when the round is done."""
        report = self._report(mock) if mock.done else ""
        return self._question(mock), time.time(), "", self._log(mock), report, self.tab.handlers.progress(token)

    def answer(self, token: str | None, round_id: str | None, text: str, started: float | None):
        try:
            mock = self._round(token, round_id)
            mock.answer(text or "", time.time() - started if started else None)
        except PracticeInputError as exc:
            return unchanged(str(exc), OUTPUTS)
        except (HistoryError, RagError) as exc:
            raise gr.Error(toast(str(exc))) from exc
        return self._after(token, mock)

    @shows_problems
    def skip(self, token: str | None, round_id: str | None):
        try:
            mock = self._round(token, round_id)
        except PracticeInputError as exc:
            return unchanged(str(exc), OUTPUTS)
        mock.skip()
        return self._after(token, mock)

    @shows_problems
    def end(self, token: str | None, round_id: str | None):
        """End the round now: the report of what was answered."""
        try:
            mock = self._round(token, round_id)
        except PracticeInputError as exc:
            return unchanged(str(exc), OUTPUTS)
        while not mock.done:
            mock.skip()
        return self._after(token, mock)

    def _report(self, mock: MockRound) -> str:
        report = mock.report()
        root = self.tab.practice.config.corpus.name
        payload = base64.b64encode(report.to_markdown(root).encode("utf-8")).decode("ascii")
        name = f"mock-round-{report.started_at[:16].replace(':', '').replace('T', '-')}.md"
        return (
            f'<div class="mk-report">{markdown_html(report.to_markdown(root, links=False))}'
            f'<a class="mk-save" download="{esc(name)}" href="data:text/markdown;charset=utf-8;base64,{payload}">'
            "保存报告 Save the report (Markdown)</a></div>"
        )


def _layout(parts: tuple[int, ...]) -> _Parts:
    gr.Markdown(
        "像真实面试一样连续回答几道题：到期的题、没练过的题，以及面试官常问的追问。每题答完就保存，最后给出报告。"
        " Answer a few questions in a row as in a real interview — due ones, new ones and the follow-ups"
        " interviewers ask — each saved as you go, then read the round's report.",
        elem_id="mk-intro",
    )
    with gr.Row(elem_id="mk-setup"):
        count = gr.Slider(MIN_QUESTIONS, MAX_QUESTIONS, value=DEFAULT_QUESTIONS, step=1, label="题数 Questions",
                          min_width=200, elem_id="mk-count")
        part = gr.Radio(part_choices(parts), value="all", label="部分 Part", min_width=200, elem_id="mk-part")
        start_btn = gr.Button("开始 Start the round", variant="primary", min_width=140, elem_id="mk-start")
    shown = gr.HTML(IDLE, elem_id="mk-shown")
    with gr.Row(elem_id="mk-timer", equal_height=False):
        seconds = gr.Number(DEFAULT_SECONDS, label="每题秒数 Seconds per question", precision=0, minimum=10,
                            maximum=1800, min_width=140, elem_id="mk-seconds")
        timer_btn = gr.Button("开始计时 Start timer", min_width=120, scale=0, elem_id="mk-timer-start")
        countdown = gr.HTML('<span class="pr-countdown">2:00</span>', elem_id="mk-countdown")
    answer = gr.Textbox(label="你的回答 Your answer", lines=7, max_lines=30, elem_id="mk-answer",
                        placeholder="像面试时一样说出来、写下来 Write it as you would say it…")
    with gr.Row():
        submit_btn = gr.Button("提交并下一题 Submit, next question", variant="primary", elem_id="mk-submit")
        skip_btn = gr.Button("跳过 Skip", elem_id="mk-skip")
        end_btn = gr.Button("结束本轮 End the round", variant="stop", elem_id="mk-end")
    log = gr.HTML("", elem_id="mk-log")
    report = gr.HTML("", elem_id="mk-report")
    return _Parts(count, part, start_btn, shown, seconds, timer_btn, countdown, answer, submit_btn, skip_btn,
                  end_btn, log, report, gr.State(None), gr.State(None))


def _wire(p: _Parts, h: _Handlers, tab: PracticeTab) -> None:
    private = dict(api_visibility="private", concurrency_id="practice", concurrency_limit=2)
    progress = tab.parts.progress
    token = tab.token
    p.start_btn.click(h.start, inputs=[token, p.count, p.part],
                      outputs=[p.round_id, p.shown, p.started, p.answer, p.log, p.report], **private)
    after = [p.shown, p.started, p.answer, p.log, p.report, progress]
    p.submit_btn.click(h.answer, inputs=[token, p.round_id, p.answer, p.started], outputs=after, **private)
    p.skip_btn.click(h.skip, inputs=[token, p.round_id], outputs=after, **private)
    p.end_btn.click(h.end, inputs=[token, p.round_id], outputs=after, **private)
    p.timer_btn.click(None, inputs=[p.seconds], outputs=None, js=countdown_js("mk-countdown"),
                      api_visibility="private")


def build(demo: gr.Blocks, finder: AnswerFinder, tab: PracticeTab) -> None:
    """Add the Mock round tab (call inside the page's ``gr.Tabs``, after the Practice tab)."""
    with gr.Tab("模拟面试 Mock", id="mock", elem_id="mk-tab"):  # short: three tabs fit a 390 px phone
        h = _Handlers(finder, tab)
        _wire(_layout(h.tab.handlers.parts()), h, tab)
