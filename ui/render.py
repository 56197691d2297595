"""HTML for the page: result cards, banners and the index status. All input text is escaped."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from markdown_it import MarkdownIt

from rag import BuildReport, Document, IndexStatus, SearchResponse, SearchResult

from .highlight import mark, query_terms

UNAVAILABLE = "完整答案暂不可用 The full answer is unavailable (its file changed or was removed)."
NOT_CONFIDENT = (
    "没有合适的预备答案 No prepared answer fits this question well — 以下是最接近的结果 nearest answers below"
)
FullAnswer = Callable[[str], "Document | None"]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML disabled: any HTML in the corpus is shown as text.
    return MarkdownIt("commonmark", {"html": False})


def markdown_html(text: str) -> str:
    """Markdown rendered to safe HTML (raw HTML escaped, unsafe link schemes refused)."""
    return _markdown().render(text)


def _safe_url(url: str) -> str | None:
    return url if url.lower().startswith(("https://", "http://")) else None


def _answer_body(doc: Document) -> str:
    """The answer's Markdown without its leading ``# question`` line (the card shows the question)."""
    lines = doc.body.strip("\n").split("\n")
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines)


def _score_html(score: float, fits: bool) -> str:
    width = max(0.0, min(score, 1.0)) * 100
    level = "high" if fits else "low"
    return (
        f'<div class="rag-score rag-score-{level}" title="相关度 Relevance (0–1, higher is better)">'
        f'<span class="rag-score-label">相关度 Relevance</span>'
        f'<span class="rag-bar" role="meter" aria-valuemin="0" aria-valuemax="1" aria-valuenow="{score:.2f}">'
        f'<span class="rag-bar-fill" style="width:{width:.0f}%"></span></span>'
        f'<span class="rag-score-num">{score:.2f}</span></div>'
    )


def _source_html(result: SearchResult) -> str:
    src = result.source
    where = f"{src.path}:{src.start_line}–{src.end_line}"
    parts = [f'<span class="rag-source-label">来源 Source</span> <code class="rag-path">{esc(where)}</code>']
    url = _safe_url(src.url)
    if url:
        link = f'<a class="rag-link" href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
        parts.append(f"{link}原文 Original article ↗</a>")
    return f'<div class="rag-source">{" ".join(parts)}</div>'


@lru_cache(maxsize=64)  # Documents are immutable and carry their content hash: safe to reuse
def _full_html(doc: Document | None) -> str:
    body = f'<p class="rag-muted">{UNAVAILABLE}</p>' if doc is None else markdown_html(_answer_body(doc))
    return (
        '<details class="rag-full"><summary>查看完整答案 Full answer</summary>'
        f'<div class="rag-md rag-full-body">{body}</div></details>'
    )


def card_html(rank: int, result: SearchResult, terms: list[str], doc: Document | None, fits: bool) -> str:
    """One ranked result: question, heading path, highlighted section, score (coloured when it
    ``fits``), source, full answer."""
    return (
        f'<article class="rag-card" data-qid="{esc(result.question_id)}">'
        '<header class="rag-card-head">'
        f'<span class="rag-rank">#{rank}</span>'
        f'<span class="rag-qid">{esc(result.question_id)}</span>'
        f'<span class="rag-part">第{result.part}部分 Part {result.part}</span>'
        f'<h3 class="rag-question">{mark(esc(result.question), terms)}</h3></header>'
        f'<div class="rag-section">{mark(esc(result.section), terms)}</div>'
        f"{_score_html(result.score, fits)}"
        f'<div class="rag-md rag-text">{mark(markdown_html(result.text), terms)}</div>'
        f"{_source_html(result)}{_full_html(doc)}</article>"
    )


def results_html(response: SearchResponse, full_answer: FullAnswer, threshold: float) -> str:
    """The whole results area: notices, the not-confident banner, then the cards.

    A card's score is coloured as a fit when the response is confident and the card is the top
    one (which the confidence rule judged) or its own score reaches ``threshold``.
    """
    out: list[str] = []
    if response.notice:
        out.append(f'<div class="rag-notice" role="status">{esc(response.notice)}</div>')
    if not response.results:
        if response.query:
            out.append('<div class="rag-notice" role="status">没有结果 No results.</div>')
        return f'<div class="rag-results">{"".join(out)}</div>'
    out.append(
        f'<p class="rag-summary">结果 Results for “<span class="rag-query">{esc(response.query)}</span>”: '
        f"{len(response.results)}</p>"
    )
    if not response.confident:
        out.append(f'<div class="rag-banner" role="alert">{esc(NOT_CONFIDENT)}</div>')
    terms = query_terms(response.query)
    docs: dict[str, Document | None] = {}
    for rank, result in enumerate(response.results, start=1):
        if result.question_id not in docs:
            docs[result.question_id] = full_answer(result.question_id)
        fits = response.confident and (rank == 1 or result.score >= threshold)
        out.append(card_html(rank, result, terms, docs[result.question_id], fits))
    weak = "" if response.confident else " rag-weak"
    return f'<div class="rag-results{weak}">{"".join(out)}</div>'


def _when(iso: str) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM:SS UTC`` (unchanged when it does not parse)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.tzinfo is not None else "")


def status_html(status: IndexStatus) -> str:
    """The index panel's description of the current index."""
    if not status.exists:
        return '<div class="rag-status"><p>还没有索引 No index has been built yet.</p></div>'
    rows = [
        ("嵌入模型 Embedders", ", ".join(status.embedders)),
        ("分块 Chunks", str(status.chunk_count)),
        ("构建时间 Built at", _when(status.built_at)),
    ]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    if status.stale:
        changed = ", ".join(status.changed_files) or "embedder settings"
        fresh = f'<dd class="rag-stale">⚠ 语料已变更 Corpus changed since the build: {esc(changed)}</dd>'
    else:
        fresh = '<dd class="rag-fresh">✓ 与语料一致 Up to date with the corpus</dd>'
    return f'<div class="rag-status"><dl>{items}<dt>语料 Corpus</dt>{fresh}</dl></div>'


def report_text(report: BuildReport) -> str:
    """Plain-text summary of a rebuild for the index panel (and the /rebuild API)."""
    lines = [
        "重建完成 Rebuilt: " + report.summary(),
        f"新增 added: {', '.join(report.files_added) or '—'}",
        f"修改 changed: {', '.join(report.files_changed) or '—'}",
        f"删除 removed: {', '.join(report.files_removed) or '—'}",
    ]
    return "\n".join(lines)
