"""The 练习 Practice tab: pick a question, answer it (optionally against a countdown), get feedback, see progress.

``build(demo, config)`` adds the tab to an open ``gr.Blocks``; handlers are thin calls into
``rag.practice.Practice``. The countdown runs in the browser and never touches the answer box, so an
answer is kept when the time runs out. Time taken is measured on the server from when the question
was shown (or the timer started) to the submit.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import gradio as gr

from rag import Config, CorpusError, RagError
from rag.practice import HistoryError, Practice, PracticeInputError, Reference

from . import practice_render as render
from .histories import Histories
from .parts import parse_part, part_choices
from .render import toast

log = logging.getLogger(__name__)
DEFAULT_SECONDS = 120
FORGET_UNCONFIRMED = "先勾选确认 Tick the box to confirm: nothing was deleted."
UNAVAILABLE = "练习暂不可用 Practice is unavailable: {error}"
Handler = TypeVar("Handler", bound=Callable[..., Any])


def unchanged(message: str, outputs: int) -> tuple:
    """Warn with ``message`` (escaped) and leave an event's ``outputs`` components as they are."""
    gr.Warning(toast(message))
    return tuple(gr.skip() for _ in range(outputs))


def shows_problems(handler: Handler) -> Handler:
    """A page handler whose corpus or history problems reach the page as an escaped message (not a
    blank "Error"); invalid input is the handler's own business."""

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except (CorpusError, HistoryError) as exc:
            raise gr.Error(toast(str(exc))) from exc

    return run  # type: ignore[return-value]

def countdown_js(elem_id: str) -> str:
    """Browser code for a countdown in the ``.pr-countdown`` box of component ``elem_id``; it never touches
    the answer box, so an answer is kept when the time runs out."""
    return """
(seconds) => {
  const box = document.querySelector('#ELEM .pr-countdown');
  if (!box) { return []; }
  const total = Math.max(1, Math.round(Number(seconds) || 120));
  const end = Date.now() + total * 1000;
  clearInterval(window.prCountdown);
  const show = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    box.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
    if (left === 0) {
      clearInterval(window.prCountdown);
      box.classList.add('pr-over');
      box.textContent += ' 时间到 Time is up: your answer is kept, submit when ready';
    } else {
      box.classList.remove('pr-over');
    }
  };
  show();
  window.prCountdown = setInterval(show, 250);
  return [];
}
""".replace("ELEM", elem_id)


COUNTDOWN_JS = countdown_js("pr-countdown")


@dataclass
class _Parts:
    part: gr.Radio
    question: gr.Dropdown
    next_btn: gr.Button
    shown: gr.HTML
    seconds: gr.Number
    start_btn: gr.Button
    countdown: gr.HTML
    answer: gr.Textbox
    submit_btn: gr.Button
    feedback: gr.HTML
    progress: gr.HTML
    confirm: gr.Checkbox
    forget_btn: gr.Button
    forget_msg: gr.Markdown
    started: gr.State
    own: gr.Dropdown
    remove_btn: gr.Button
    token: gr.components.Component  # the browser's history token (ui.histories)


class _Handlers:
    """Each handler calls ``Practice`` once and returns component values. The first input of every
    event is the browser's history token (``ui.histories``): the history it reads and writes."""

    def __init__(self, histories: Histories):
        self.histories = histories
        self.practice = histories.practice  # the bank: the same for every history
        self.corpus_root = self.practice.config.corpus.name

    def mine(self, token: str | None) -> Practice:
        """The Practice over this browser's history (the server's one on a local server)."""
        return self.histories.practice_for(token)

    def parts(self) -> tuple[int, ...]:
        """The parts the bank has now (none while the corpus has never been read)."""
        try:
            return tuple(sorted({r.part for r in self.practice.questions()}))
        except CorpusError:
            return ()

    def _choices(self, practice: Practice, number: int | None) -> list[tuple[str, str]]:
        bank = [(f"{r.question_id} {r.question}", r.question_id) for r in practice.questions(number)]
        return bank + (self._own_choices(practice) if number is None else [])

    @staticmethod
    def _own_choices(practice: Practice) -> list[tuple[str, str]]:
        return [(f"{r.question_id} 我的题 {r.question}", r.question_id) for r in practice.own_questions()]

    def issue(self, token: str | None) -> str:
        """This browser's history token, given on its first visit (``ui.histories``)."""
        return self.histories.issue(token)

    def next_due(self, token: str | None, part: object = "all"):
        """The next due question (of the part): dropdown, question, clock start, cleared answer and feedback."""
        try:
            practice = self.mine(token)
            number = parse_part(part, self.parts())
            reference, why = practice.pick(part=number)
            dropdown = gr.Dropdown(choices=self._choices(practice, number), value=reference.question_id)
        except (CorpusError, HistoryError) as exc:  # shown where the question would be, escaped
            problem = f'<div class="rag-notice" role="alert">{render.esc(UNAVAILABLE.format(error=exc))}</div>'
            return gr.skip(), problem, None, gr.skip(), gr.skip()
        return dropdown, render.question_html(reference, why), time.time(), "", ""

    @shows_problems
    def show(self, token: str | None, reference: Reference) -> tuple:
        """Open one question in the tab (from the search page): the part reset to all, the question shown and
        chosen, the clock started, answer and feedback cleared, progress and the own-question list renewed."""
        dropdown = gr.Dropdown(choices=self._choices(self.mine(token), None), value=reference.question_id)
        return ("all", dropdown, render.question_html(reference, "chosen"), time.time(), "", "",
                self.progress(token), self.own_list(token))

    @shows_problems
    def own_list(self, token: str | None) -> gr.Dropdown:
        """The list of your own questions to remove one from."""
        return gr.Dropdown(choices=self._own_choices(self.mine(token)), value=None)

    @shows_problems
    def remove(self, token: str | None, question_id: str | None, part: object = "all"):
        """Delete one of your own questions with its attempts; the lists and progress renewed."""
        if not question_id:
            return "先选择一道你的题 Choose one of your questions first: nothing was removed.", gr.skip(), gr.skip(), \
                gr.skip()
        practice = self.mine(token)
        try:
            count = practice.remove(question_id)
        except PracticeInputError as exc:
            return render.esc(str(exc)), self.progress(token), self.own_list(token), gr.skip()
        number = parse_part(part, self.parts())
        message = f"已删除 Removed {render.esc(question_id)} and its {count} attempt(s)."
        return message, self.progress(token), self.own_list(token), gr.Dropdown(
            choices=self._choices(practice, number))

    @shows_problems
    def choose(self, token: str | None, question_id: str):
        """A question picked from the list: shown, clock restarted."""
        if not question_id:
            return render.question_html(None), None
        reference, why = self.mine(token).pick(question_id)
        return render.question_html(reference, why), time.time()

    def restart_clock(self) -> float:
        return time.time()

    @shows_problems
    def submit(self, token: str | None, question_id: str, answer: str, started: float | None):
        """Score and store the answer; an empty answer or a bad question id only gets a message."""
        practice = self.mine(token)
        seconds = time.time() - started if started else None
        try:
            submission = practice.submit(question_id or "", answer or "", seconds)
        except PracticeInputError as exc:
            gr.Warning(toast(str(exc)))
            return f'<div class="rag-notice" role="alert">{render.esc(str(exc))}</div>', self.progress(token)
        reference = practice.question(question_id)
        return render.feedback_html(submission, reference, self.corpus_root), self.progress(token)

    def prepare(self, answer: str) -> None:
        """While the answer is typed, embed its finished sentences so that submitting is quick (nothing stored)."""
        try:
            self.practice.prepare(answer or "")
        except RagError as exc:  # submitting reports it
            log.warning("could not prepare the answer: %s", exc)

    def progress(self, token: str | None) -> str:
        try:
            return render.progress_html(self.mine(token).progress())
        except (CorpusError, HistoryError) as exc:
            return f'<div class="rag-notice" role="alert">{render.esc(str(exc))}</div>'

    @shows_problems
    def forget(self, token: str | None, confirmed: bool):
        if confirmed is not True:
            return FORGET_UNCONFIRMED, self.progress(token), False, gr.skip()
        count = self.mine(token).forget()
        return (f"已删除 Deleted {count} attempt(s) and every review date.", self.progress(token), False,
                self.own_list(token))


def _layout(parts: tuple[int, ...], token: gr.components.Component) -> _Parts:
    gr.Markdown(
        "选一道题，像面试时一样回答（中文或英文），看看覆盖了哪些关键点。回答只保存在本机。"
        " Answer a bank question as you would aloud, in Chinese or English, and see which key points you"
        " covered. Answers are stored on this machine only.",
        elem_id="pr-intro",
    )
    with gr.Row(elem_id="pr-pick"):
        part = gr.Radio(part_choices(parts), value="all", label="部分 Part", min_width=200, elem_id="pr-part")
        question = gr.Dropdown([], label="问题 Question", scale=3, min_width=240, elem_id="pr-question")
        next_btn = gr.Button("下一道到期 Next due", scale=1, min_width=120, elem_id="pr-next")
    shown = gr.HTML(render.question_html(None), elem_id="pr-shown")
    with gr.Row(elem_id="pr-timer", equal_height=False):
        seconds = gr.Number(DEFAULT_SECONDS, label="计时秒数 Timer seconds", precision=0, minimum=10, maximum=1800,
                            min_width=140, elem_id="pr-seconds")
        start_btn = gr.Button("开始计时 Start timer", min_width=120, scale=0, elem_id="pr-start")
        countdown = gr.HTML('<span class="pr-countdown">2:00</span>', elem_id="pr-countdown")
    answer = gr.Textbox(
        label="你的回答 Your answer",
        placeholder="像面试时一样说出来、写下来 Write it as you would say it…",
        lines=8,
        max_lines=30,
        elem_id="pr-answer",
    )
    submit_btn = gr.Button("提交 Submit", variant="primary", elem_id="pr-submit")
    feedback = gr.HTML("", elem_id="pr-feedback")
    with gr.Accordion("进度 Progress", open=True, elem_id="pr-progress-panel"):
        progress = gr.HTML("", elem_id="pr-progress")
        with gr.Row():
            confirm = gr.Checkbox(
                False, label="确认删除全部练习记录 Yes, delete my whole history", elem_id="pr-confirm"
            )
            forget_btn = gr.Button("删除我的记录 Delete my history", variant="stop", elem_id="pr-forget")
        with gr.Row():
            own = gr.Dropdown([], label="我的题 One of your questions", scale=3, min_width=220, elem_id="pr-own")
            remove_btn = gr.Button("移除这道题 Remove it", scale=1, min_width=120, elem_id="pr-remove")
        forget_msg = gr.Markdown("", elem_id="pr-forget-msg")
    started = gr.State(None)
    return _Parts(part, question, next_btn, shown, seconds, start_btn, countdown, answer, submit_btn, feedback,
                  progress, confirm, forget_btn, forget_msg, started, own, remove_btn, token)


def _wire(demo: gr.Blocks, p: _Parts, h: _Handlers) -> None:
    private = dict(api_visibility="private")
    pick = dict(outputs=[p.question, p.shown, p.started, p.answer, p.feedback], **private)
    gr.on([p.next_btn.click, p.part.change], h.next_due, inputs=[p.token, p.part], **pick)
    p.question.input(h.choose, inputs=[p.token, p.question], outputs=[p.shown, p.started], **private)
    p.start_btn.click(None, inputs=[p.seconds], outputs=None, js=COUNTDOWN_JS, **private)
    p.start_btn.click(h.restart_clock, outputs=[p.started], **private)
    p.answer.input(
        h.prepare, inputs=[p.answer], outputs=None, trigger_mode="always_last", show_progress="hidden",
        concurrency_id="practice-prepare", concurrency_limit=1, **private,
    )
    p.submit_btn.click(
        h.submit,
        inputs=[p.token, p.question, p.answer, p.started],
        outputs=[p.feedback, p.progress],
        concurrency_id="practice",
        concurrency_limit=2,
        **private,
    )
    p.forget_btn.click(h.forget, inputs=[p.token, p.confirm], outputs=[p.forget_msg, p.progress, p.confirm, p.own],
                       **private)
    p.remove_btn.click(h.remove, inputs=[p.token, p.own, p.part],
                       outputs=[p.forget_msg, p.progress, p.own, p.question], **private)
    # The token first (a browser's first visit gets one), then what depends on whose history it is.
    demo.load(h.issue, inputs=[p.token], outputs=[p.token], **private).then(
        h.next_due, inputs=[p.token, p.part], **pick
    ).then(h.progress, inputs=[p.token], outputs=[p.progress], **private).then(
        h.own_list, inputs=[p.token], outputs=[p.own], **private
    )


@dataclass
class PracticeTab:
    """The tab's components and handlers, for other tabs that open a question in it (``ui.practise_this``)."""

    parts: _Parts
    handlers: _Handlers

    @property
    def practice(self) -> Practice:
        return self.handlers.practice

    @property
    def token(self) -> gr.components.Component:
        """The input that says whose history an event touches: the first input of every practice event."""
        return self.parts.token

    def show_outputs(self) -> list:
        """The components ``_Handlers.show`` returns values for, in order."""
        p = self.parts
        return [p.part, p.question, p.shown, p.started, p.answer, p.feedback, p.progress, p.own]


@dataclass
class Ready:
    """Practice started for one page: its handlers and the history-token component, made before the tabs
    (a component inside a tab not shown yet is not mounted when the page loads, so a token kept in the
    browser would not be sent to the load event)."""

    handlers: _Handlers | None
    token: gr.components.Component | None
    problem: str = ""


def start(config: Config, per_browser: bool = False) -> Ready:
    """Start practice for the page (call inside the page's ``gr.Blocks``, before its tabs).

    ``per_browser``: keep one history per browser (a shared server, ``ui.histories``) instead of one.
    """
    try:
        histories = Histories(Practice(config), per_browser)
    except RagError as exc:
        return Ready(None, None, UNAVAILABLE.format(error=exc))
    return Ready(_Handlers(histories), histories.state())


def build(demo: gr.Blocks, ready: Ready) -> PracticeTab | None:
    """Add the Practice tab to ``demo`` (call inside its ``gr.Tabs``); warms the scorer in the background.

    Returns None when practice cannot start (the tab then says why).
    """
    with gr.Tab("练习 Practice", id="practice", elem_id="pr-tab"):
        if ready.handlers is None:
            gr.HTML(f'<div class="rag-notice">{render.esc(ready.problem)}</div>', elem_id="pr-unavailable")
            return None
        handlers = ready.handlers
        tab = PracticeTab(_layout(handlers.parts(), ready.token), handlers)
        _wire(demo, tab.parts, handlers)
    practice = handlers.practice

    def warm() -> None:
        try:
            practice.scorer()
        except RagError as exc:  # the first submit reports it to the user
            log.warning("practice scorer not ready: %s", exc)

    threading.Thread(target=warm, name="rag-practice-warm", daemon=True).start()
    return tab
