"""The Gradio app: layout in ``_layout``, events in ``_wire``, thin handlers over ``rag.AnswerFinder``.

Named API endpoints (usable from ``gradio_client``):

- ``/search``  (question, k=5, part="all") → (results HTML, JSON of ``SearchResponse.to_dict()``
  plus ``question_ids``; each result's ``source.path`` is named ``source.file`` there, because
  gradio_client treats any ``{"path": ...}`` object in an output as a file to download)
- ``/rebuild`` (full=False, password="") → (summary text, index status HTML)

Plain HTTP clients use the JSON API at ``/api`` instead (``ui.api``); Gradio's REST shortcut
``/gradio_api/run/...`` is closed, so those two endpoints are reached through Gradio's queue.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

import gradio as gr
from starlette.middleware import Middleware
from starlette.routing import Mount

from rag import AnswerFinder, Config, ConfigError, CorpusError, RagError, RebuildRunning

from . import mock_tab, practice_tab, practise_this, render
from .api import create_api
from .auth import PasswordGate, TooManyAttempts, WrongPassword
from .clients import UNKNOWN, Clients
from .guard import guarded_launch
from .idle import quiet_queue, quiet_server, wait_until_closed
from .limits import QUEUE_SIZE, BodyLimit, QueueShare, upload_blockers
from .parts import parse_part, part_choices
from .practice_render import CSS as PRACTICE_CSS
from .style import CSS, HEAD
from .uncollected import UncollectedSweeper

TITLE = "面试答案查找 Interview Answer Finder"
EXAMPLES = [
    "how do you handle hallucinations?",
    "大模型胡说八道怎么办",
    "你是怎么做微调的？",
    "What is an AI Agent?",
    "项目上线后怎么评估效果？",
    "How would you evaluate a RAG system?",
]
WRONG_PASSWORD = "密码错误，未重建 Wrong password: the index was not rebuilt."
CORPUS_PROBLEMS = (
    "语料有问题，未重建；旧索引继续使用 Corpus problems: nothing was rebuilt, the old index keeps serving."
)
REBUILD_RUNNING = "已有重建在进行，请稍后再试 A rebuild is already running: try again when it has finished."
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CACHE_CLEANUP = (3600, 3600)  # Gradio's temporary files: look every hour, delete those older than an hour
WATCH_STEP = 500  # ms: the watch yields an edit once no more changes came for this long (watchfiles: 50)


@dataclass
class _Parts:
    """The components events are wired to."""

    question: gr.Textbox
    search_btn: gr.Button
    k: gr.Slider
    part: gr.Radio
    examples: gr.Examples
    results: gr.HTML
    offer: practise_this.Offer
    data: gr.JSON
    index_panel: gr.Accordion
    status: gr.HTML
    full: gr.Checkbox
    password: gr.Textbox
    rebuild_btn: gr.Button
    summary: gr.Textbox


def _k(value: object) -> int:
    if value is None:
        return 5
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise gr.Error(f"结果数 k must be a whole number from 1 to 10, got {value!r:.40}")
    if not 1 <= value <= 10:
        raise gr.Error(f"结果数 k must be from 1 to 10, got {value!r:.40}")
    return int(value)


class _Handlers:
    """Event handlers: each calls the library once and turns the answer into component values."""

    def __init__(self, finder: AnswerFinder, gate: PasswordGate, clients: Clients):
        self.finder = finder
        self.gate = gate
        self.clients = clients

    def search(self, question: str | None, k: object = 5, part: object = "all") -> tuple[str, dict]:
        # Inputs arrive unprocessed (preprocess=False): a raw API call may send anything, and a
        # clear message beats a TypeError inside the slider's preprocessing.
        if question is not None and not isinstance(question, str):
            raise gr.Error("提问 question must be text")
        response = self.finder.search(question or "", _k(k), parse_part(part, self.finder.parts))
        data = response.to_dict()
        for result in data["results"]:
            # gradio_client would take any {"path": str} in an output for a file to download.
            source = result["source"]
            result["source"] = {"file": source.pop("path"), **source}
        data["question_ids"] = response.question_ids
        return render.results_html(response, self.finder.full_answer), data

    def status(self) -> str:
        return render.status_html(self.finder.status())

    def _refuse(self, message: str) -> tuple[str, str]:
        gr.Warning(render.toast(message))
        return message, self.status()

    def rebuild(
        self,
        full: bool = False,
        password: str = "",
        request: gr.Request = None,
        progress=gr.Progress(),  # noqa: B008
    ) -> tuple[str, str]:
        if not isinstance(full, bool):
            raise gr.Error("完全重建 full must be true or false")
        peer = request.client.host if request is not None and request.client else UNKNOWN
        try:
            self.gate.check(password, self.clients.key(peer, getattr(request, "session_hash", None)))
        except WrongPassword:
            return self._refuse(WRONG_PASSWORD)
        except TooManyAttempts as exc:
            return self._refuse(f"密码错误次数过多 Too many wrong passwords: try again in {exc.retry_after} s.")
        try:
            report = self.finder.rebuild(full=full, progress=lambda f, msg: progress(f, desc=msg))
        except RebuildRunning:
            return self._refuse(REBUILD_RUNNING)
        except CorpusError as exc:
            return self._refuse(f"{CORPUS_PROBLEMS}\n{exc}")
        except RagError as exc:  # e.g. an embedder that cannot load: the old index keeps serving too
            raise gr.Error(render.toast(f"重建失败 Rebuild failed: {exc}")) from exc
        return render.report_text(report), self.status()


def _layout(password: str | None, parts: tuple[int, ...]) -> _Parts:
    gr.Markdown(
        f"# {TITLE}\n"
        "在预备好的 AIGC / AI 产品经理面试答案中查找最接近的回答。"
        " Find the prepared interview answer closest to a question, in Chinese or English.\n\n"
        "<small>结果的三种判断 Three verdicts: **题库中有这道题** a prepared question (or very close to one) — "
        "its answer first; "
        "**可以参考** not a prepared question, but the sections shown help; "
        "**没有覆盖** nothing in the bank covers it — nearest sections shown faded.</small>",
        elem_id="rag-title",
    )
    with gr.Row(elem_id="rag-ask", equal_height=False):
        question = gr.Textbox(
            label="提问 Question",
            placeholder="例如 e.g. 大模型胡说八道怎么办 / How do you handle hallucinations?",
            lines=1,
            max_lines=3,
            scale=5,
            min_width=220,
            autofocus=True,
            elem_id="rag-question",
        )
        search_btn = gr.Button("搜索 Search", variant="primary", scale=1, min_width=110, elem_id="rag-search")
    with gr.Row(elem_id="rag-controls"):
        k = gr.Slider(1, 10, value=5, step=1, label="结果数 Results", min_width=200, elem_id="rag-k")
        part = gr.Radio(part_choices(parts), value="all", label="部分 Part", min_width=200, elem_id="rag-part")
    examples = gr.Examples(EXAMPLES, inputs=[question], label="示例 Examples", examples_per_page=len(EXAMPLES))
    offer = practise_this.layout()  # above the results: seen without scrolling past them
    results = gr.HTML("", label="results", elem_id="rag-results", js_on_load=None)
    with gr.Accordion("JSON", open=False, elem_id="rag-json"):
        data = gr.JSON(label="response")
    with gr.Accordion("索引 Index", open=False, elem_id="rag-index") as index_panel:
        status = gr.HTML("", label="status", elem_id="rag-status", js_on_load=None)
        with gr.Row():
            full = gr.Checkbox(False, label="完全重建 Full rebuild (re-embed every chunk)", elem_id="rag-full")
            secret = gr.Textbox(
                "",
                type="password",
                label="密码 Password",
                visible=password is not None,
                elem_id="rag-password",
            )
        rebuild_btn = gr.Button("重建索引 Rebuild index", variant="secondary", elem_id="rag-rebuild")
        summary = gr.Textbox(label="重建结果 Rebuild result", lines=4, interactive=False, elem_id="rag-summary")
    return _Parts(
        question, search_btn, k, part, examples, results, offer, data, index_panel, status, full, secret, rebuild_btn,
        summary,
    )


SEARCH_CONCURRENCY = 8  # searches in flight; concurrent ones share one query-embedding call


def _wire(demo: gr.Blocks, p: _Parts, h: _Handlers) -> None:
    # Searches share one pool and never wait behind a rebuild, which has a pool of its own. A rebuild
    # requested while one runs is refused at once by the finder, so that pool may hold more than one.
    search = dict(fn=h.search, inputs=[p.question, p.k, p.part], outputs=[p.results, p.data], preprocess=False)
    gr.on(
        [p.question.submit, p.search_btn.click],
        **search,
        api_name="search",
        concurrency_id="search",
        concurrency_limit=SEARCH_CONCURRENCY,
        trigger_mode="always_last",
    )
    p.examples.load_input_event.then(
        **search, api_visibility="private", concurrency_id="search", concurrency_limit=SEARCH_CONCURRENCY
    )
    p.rebuild_btn.click(
        h.rebuild,
        inputs=[p.full, p.password],
        outputs=[p.summary, p.status],
        api_name="rebuild",
        concurrency_id="rebuild",
        concurrency_limit=4,
    )
    # The status is read again whenever the panel opens: a --watch refresh may have changed it.
    demo.load(h.status, outputs=[p.status], api_visibility="private")
    p.index_panel.expand(h.status, outputs=[p.status], api_visibility="private", show_progress="hidden")


def build_app(finder: AnswerFinder, password: str | None = None, per_browser: bool = False) -> gr.Blocks:
    """The page over ``finder``; rebuilding needs ``password`` when one is given; ``per_browser`` keeps one
    practice history per browser (a shared server: ``ui.histories``) instead of the one ``rag practice`` uses.

    The JSON API (``ui.api``) over the same finder and password is kept as ``demo.http_api``;
    ``launch`` mounts it at ``/api``. ``demo.clients`` tells the clients the password back-off and
    the queue share count apart (``ui.clients``: the proxies in ``RAG_PROXY_ADDRESSES``; ``launch``
    adds the ``--share`` tunnel).

    Raises:
        ConfigError: the password is empty.
    """
    if password is not None and not password:
        raise ConfigError("the rebuild password must not be empty")
    gate = PasswordGate(password)
    clients = Clients.for_server()
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=CACHE_CLEANUP) as demo:
        ready = practice_tab.start(finder.config, per_browser)
        with gr.Tabs(elem_id="rag-tabs") as tabs:
            with gr.Tab("搜索 Search", id="search", elem_id="rag-tab-search"):
                parts = _layout(password, finder.parts)
            practice = practice_tab.build(demo, ready)
            if practice is not None:
                mock_tab.build(demo, finder, practice)
        _wire(demo, parts, _Handlers(finder, gate, clients))
        if practice is not None:
            practise_this.wire(parts.offer, parts.data, parts.part, tabs, practice, finder)
    demo.http_api = create_api(finder, gate)
    demo.clients = clients
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, share: bool = False, block: bool = True):
    """Start the server with the page's CSS and the JSON API at ``/api``; returns at once when ``block`` is False.

    Locked down for a page that takes no files: uploads are refused (and capped at 1 byte behind
    that), request bodies are limited, Gradio's monitoring pages are off, and Gradio's REST
    shortcut past the queue is closed, so every page event obeys its concurrency limit. The queue
    holds at most ``QUEUE_SIZE`` events, a few per client, and results nobody collects are dropped
    (``ui.uncollected``); ``ui.guard`` checks Host and Origin. Idle, nothing in it polls (``ui.idle``).
    With ``share``, visitors through the tunnel are told apart by page session (``ui.clients``).
    """
    clients = getattr(demo, "clients", None) or Clients.for_server()
    clients.tunnel = clients.tunnel or share
    demo.queue(default_concurrency_limit=1, api_open=False, max_size=QUEUE_SIZE)
    quiet_queue(demo)  # Gradio's queue otherwise wakes 1,100 times a second with nothing to do
    demo.uncollected = UncollectedSweeper(demo)
    routes = [*upload_blockers()]
    if getattr(demo, "http_api", None) is not None:
        routes.append(Mount("/api", app=demo.http_api))
    with guarded_launch(demo, host), quiet_server():  # Host, Origin, framing, header deadline (ui.guard)
        demo.launch(
            server_name=host,
            server_port=port,
            share=share,
            css=CSS + PRACTICE_CSS,
            head=HEAD,
            quiet=True,
            prevent_thread_lock=True,
            max_file_size=1,
            enable_monitoring=False,
            app_kwargs={
                "routes": routes,
                "middleware": [Middleware(BodyLimit), Middleware(QueueShare, blocks=demo, clients=clients)],
                "lifespan": demo.uncollected.lifespan,
            },
        )
    if block:
        wait_until_closed(demo)
    return demo


def watch_corpus(finder: AnswerFinder, stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread that refreshes the index whenever a corpus file changes.

    A broken edit is reported on stderr and the previous index keeps serving. The watch looks for
    changes (and ``stop``) every ``WATCH_STEP`` ms: watchfiles' 50 ms woke the thread 20 times a second.
    """
    import watchfiles

    def run() -> None:
        for _changes in watchfiles.watch(finder.config.corpus, stop_event=stop, step=WATCH_STEP):
            try:
                report = finder.refresh_if_stale()
            except CorpusError as exc:
                print(f"rag serve: the previous index keeps serving: {exc}", file=sys.stderr)
            except (RagError, OSError) as exc:
                print(f"rag serve: the index was not refreshed: {exc}", file=sys.stderr)
            else:
                if report is not None:
                    print(f"rag serve: index refreshed: {report.summary()}", file=sys.stderr)

    thread = threading.Thread(target=run, name="rag-watch-corpus", daemon=True)
    thread.start()
    return thread


def exposure_warnings(host: str, share: bool, password: str | None, per_browser: bool | None = None) -> list[str]:
    """What to tell the person starting the server about who else could rebuild the index or use one
    practice history (``per_browser`` None: what the server chooses by itself, one per browser when shared)."""
    warnings = []
    shared = share or host not in LOCAL_HOSTS
    if shared and per_browser is False:
        warnings.append("--history single on a server others can reach: every visitor can read, add to and delete "
                        "the one practice history; use --history per-browser.")
    if password is None and share:
        warnings.append("--share makes a public link: anyone with it may rebuild the index; set a password.")
    if password is None and host not in LOCAL_HOSTS:
        warnings.append(f"listening on {host}: anyone who can reach it may rebuild the index; set a password.")
    return warnings


def serve(
    config: Config,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    watch: bool = False,
    password: str | None = None,
    refresh: bool = True,
    per_browser: bool | None = None,
) -> None:
    """Build or refresh the index if needed, then serve the page and the JSON API until interrupted.

    ``per_browser`` None: one practice history per browser when others can reach the server (another
    host, a share link), else the one ``rag practice`` uses.
    """
    if password is not None and not password:
        raise ConfigError("the rebuild password must not be empty")
    for warning in exposure_warnings(host, share, password, per_browser):
        hint = "" if warning.startswith("--history") else " (RAG_PASSWORD, --password-file or --password)"
        print(f"rag serve: {warning}{hint}", file=sys.stderr)
    if per_browser is None:
        per_browser = share or host not in LOCAL_HOSTS
    finder = AnswerFinder(config, refresh=refresh)
    if watch:
        watch_corpus(finder)
    demo = build_app(finder, password, per_browser)
    launch(demo, host, port, share, block=False)
    print(f"Serving the answer finder at {demo.local_url}" + (f" and {demo.share_url}" if demo.share_url else ""))
    print(f"JSON API at {demo.local_url}api/ (OpenAPI description: {demo.local_url}api/openapi.json)")
    where = "one per browser (data/practice-browsers/)" if per_browser else "one, shared with `rag practice`"
    print(f"Practice history: {where}")
    print("Press Ctrl+C to stop.", flush=True)
    wait_until_closed(demo)
