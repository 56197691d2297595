"""HTML for the page: result cards, banners and the index status. All input text is escaped."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from markdown_it import MarkdownIt

from rag import BuildReport, Document, IndexStatus, SearchResponse, SearchResult
from rag.bank.outline import SPOKEN_HEADING, heading_title
from rag.search.verdict import MATCH, NONE, RELATED

from .highlight import mark, query_terms

UNAVAILABLE = "完整答案暂不可用 The full answer is unavailable (its file changed or was removed)."
VERDICT_TEXT = {
    MATCH: (
        "✓ 题库中有这道题（或非常相近的题），它的预备答案排在最前 "
        "A prepared question, or very close to one: its answer comes first"
    ),
    RELATED: "题库中没有这道题，但以下章节可以参考 Not a prepared question, but these sections help",
    NONE: "题库没有覆盖这个问题 Nothing in the bank covers this question — 以下是最接近的章节 nearest sections below",
}
NOT_CONFIDENT = VERDICT_TEXT[NONE]
FullAnswer = Callable[[str], "Document | None"]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def toast(text: str) -> str:
    """Text for ``gr.Warning``/``gr.Error``, which render HTML: escaped, with its line breaks kept."""
    return esc(text).replace("\n", "<br>")


def is_remote(url: str) -> bool:
    """Whether a browser would fetch ``url`` from another server (a scheme, or ``//``/``\\`` before a host)."""
    url = url.strip().lower()
    if url.startswith("data:image/"):
        return False  # inline bytes: nothing is fetched
    return url.replace("\\", "/").startswith("//") or _has_scheme(url)  # browsers read "\\" as "/"


def _has_scheme(url: str) -> bool:
    scheme, colon, _ = url.partition(":")
    return bool(colon) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def _image(self, tokens, idx, options, env) -> str:  # noqa: ANN001 (markdown-it's renderer rule signature)
    """A corpus image with a remote source is never loaded (probe L12): its alt text and address as text."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if not is_remote(src):
        return self.image(tokens, idx, options, env)
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<span class="rag-image">[图片 image: {esc(alt)}] <code>{esc(src)}</code></span>'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML disabled: any HTML in the corpus is shown as text; tables on (3.1 has one,
    # the mock round's report too).
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("image", _image)
    return md


def markdown_html(text: str) -> str:
    """Markdown rendered to safe HTML (raw HTML escaped, unsafe link schemes refused, remote images not loaded)."""
    return _markdown().render(text)


def _safe_url(url: str) -> str | None:
    return url if url.lower().startswith(("https://", "http://")) else None


def _answer_body(doc: Document) -> str:
    """The answer's Markdown for the full-answer view: the spoken version first, without the ``# question`` line."""
    lines = doc.body.strip("\n").split("\n")
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    spoken = next((i for i in starts if heading_title(lines[i][2:]) == SPOKEN_HEADING), None)
    if spoken is None:
        return "\n".join(lines)
    end = next((i for i in starts if i > spoken), len(lines))
    return "\n".join(lines[spoken:end] + [""] + lines[:spoken] + lines[end:])


def _dating_html(doc: Document) -> str:
    """When the answer's facts were last checked, or the seed answer's note on its date."""
    if doc.reviewed:
        return f'<p class="rag-dated">事实核对于 Facts checked: {esc(doc.reviewed)}</p>'
    if doc.note:
        return f'<p class="rag-dated">注 Note: {esc(doc.note)}</p>'
    return ""


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
    if doc is None:
        body = f'<p class="rag-muted">{UNAVAILABLE}</p>'
    else:
        body = _dating_html(doc) + markdown_html(_answer_body(doc))
    return (
        '<details class="rag-full"><summary>查看完整答案（口述版在前）Full answer, spoken version first</summary>'
        f'<div class="rag-md rag-full-body">{body}</div></details>'
    )


def section_html(rank: int, result: SearchResult, terms: list[str], fits: bool, also: bool) -> str:
    """One ranked section inside its answer's card; ``also`` marks a further section of the same answer."""
    label = '<span class="rag-also">本答案中的另一相关章节 Also in this answer</span>' if also else ""
    meta = '<span class="rag-meta-tag">答题思路 How to answer</span>' if result.role == "meta" else ""
    return (
        f'<section class="rag-hit" id="rag-hit-{rank}" data-rank="{rank}">'
        f'<div class="rag-section"><span class="rag-rank">#{rank}</span>{label}{meta}'
        f"{mark(esc(result.section), terms)}</div>"
        f"{_score_html(result.score, fits)}"
        f'<div class="rag-md rag-text">{mark(markdown_html(result.text), terms)}</div>'
        f"{_source_html(result)}</section>"
    )


def card_html(
    hits: list[tuple[int, SearchResult]], terms: list[str], doc: Document | None, fits: list[bool]
) -> str:
    """One answer's card: the question, then each of its ranked sections (best first), then the full answer."""
    first = hits[0][1]
    links = " ".join(f'<a href="#rag-hit-{rank}">#{rank}</a>' for rank, _ in hits[1:])
    jump = f'<span class="rag-also-links">另见 Also: {links}</span>' if links else ""
    reviewed = doc.reviewed if doc is not None else ""
    dated = f'<span class="rag-dated-tag">核对 Checked {esc(reviewed)}</span>' if reviewed else ""
    sections = "".join(
        section_html(rank, result, terms, fit, also=i > 0) for i, ((rank, result), fit) in enumerate(zip(hits, fits))
    )
    return (
        f'<article class="rag-card" data-qid="{esc(first.question_id)}">'
        '<header class="rag-card-head">'
        f'<span class="rag-qid">{esc(first.question_id)}</span>'
        f'<span class="rag-part">第{first.part}部分 Part {first.part}</span>{dated}'
        f'<h3 class="rag-question">{mark(esc(first.question), terms)}</h3>{jump}</header>'
        f"{sections}{_full_html(doc)}</article>"
    )


def results_html(response: SearchResponse, full_answer: FullAnswer) -> str:
    """The whole results area: notices, the verdict banner, then one card per answer in rank order.

    Sections of one answer share its card. A section's score is coloured as a fit when the
    verdict is ``match`` or ``related`` and the section ranks in the top three.
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
    out.append(f'<div class="rag-banner rag-verdict-{response.verdict}" role="status">'
               f"{esc(VERDICT_TEXT[response.verdict])}</div>")
    if response.glossary:
        out.append(f'<p class="rag-glossary">同时搜索了 Also searched for (glossary): '
                   f"{esc('、'.join(response.glossary))}</p>")
    if response.reason:
        out.append(f'<p class="rag-reason">{esc(response.reason)}</p>')
    if response.why:
        lines = "".join(f"<li>{esc(line)}</li>" for line in response.why)
        out.append(f'<details class="rag-why"><summary>判断依据 Why this verdict</summary><ul>{lines}</ul></details>')
    terms = query_terms(response.query + " " + " ".join(response.glossary))
    groups: dict[str, list[tuple[int, SearchResult]]] = {}
    for rank, result in enumerate(response.results, start=1):
        groups.setdefault(result.question_id, []).append((rank, result))
    for qid, hits in groups.items():
        fits = [response.confident and rank <= 3 for rank, _ in hits]
        out.append(card_html(hits, terms, full_answer(qid), fits))
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
