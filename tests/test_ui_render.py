"""The UI's HTML rendering: escaping, highlighting and links, without a server."""

from __future__ import annotations

import html
import re

from rag import Document, SearchResponse, SearchResult, Source
from ui.highlight import mark, query_terms
from ui.render import NOT_CONFIDENT, VERDICT_TEXT, markdown_html, results_html

EVIL = "<img src=x onerror=alert(1)>\"'&"


def result(**changes) -> SearchResult:
    fields = dict(
        question_id="2.5",
        question="对于机器人出现的幻觉问题你们是怎么避免的？",
        section="参考答案 › 方案一：RAG 检索增强",
        text="先检索再回答，降低模型幻觉。Hallucination rates drop.",
        score=0.83,
        source=Source("corpus/part2/2.5-hallucination.md", 30, 35, "https://example.com/a?x=1&y=2"),
        part=2,
        chunk_id="c1",
    )
    fields.update(changes)
    return SearchResult(**fields)


def no_full_answer(question_id):
    return None


def tags(fragment: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", fragment)}


def test_query_terms_keep_content_words_only():
    assert query_terms("how do you handle hallucinations?") == ["hallucinations", "handle"]
    terms = query_terms("大模型胡说八道怎么办")
    assert "胡说八道" in terms and "模型" in terms
    assert "大" not in terms and "怎么办" not in terms
    assert query_terms("What is an AI Agent?") == ["agent", "ai"]
    assert query_terms("幻") == ["幻"]


def test_mark_is_case_insensitive_and_matches_word_forms():
    assert mark("Hallucination rates", ["hallucinations"]) == "<mark>Hallucination</mark> rates"
    assert mark("AI and aim", ["ai"]) == "<mark>AI</mark> and aim"
    assert mark("降低模型幻觉", ["模型"]) == "降低<mark>模型</mark>幻觉"


def test_mark_never_touches_tags_or_character_references():
    escaped = html.escape("a & b <quot> mark")
    assert mark(escaped, ["amp", "quot", "lt"]) == escaped.replace("quot&gt;", "<mark>quot</mark>&gt;")
    rendered = '<p><a href="https://x.org/mark">mark</a></p>'
    assert mark(rendered, ["mark", "href"]) == '<p><a href="https://x.org/mark"><mark>mark</mark></a></p>'


def test_markdown_renders_raw_html_as_text():
    out = markdown_html(f"**bold** {EVIL}\n\n[x](javascript:alert(1))")
    assert "<strong>bold</strong>" in out
    assert "<img" not in out and "&lt;img" in out
    assert 'href="javascript' not in out


def test_cards_escape_every_corpus_and_query_field():
    evil = result(question=EVIL, section=EVIL, text=EVIL, question_id=EVIL, source=Source(EVIL, 1, 2, EVIL))
    page = results_html(SearchResponse(EVIL, "related", [evil]), no_full_answer)
    allowed = {"div", "p", "span", "article", "header", "h3", "code", "details", "summary", "mark", "section"}
    assert tags(page) <= allowed
    assert "onerror=alert(1)" in page  # shown, as text
    assert "<a " not in page  # a non-http(s) URL is never linked


def test_card_shows_score_source_and_article_link():
    page = results_html(SearchResponse("hallucinations", "match", [result()]), no_full_answer)
    assert 'style="width:83%"' in page and ">0.83<" in page
    assert "corpus/part2/2.5-hallucination.md:30–35" in page
    assert 'href="https://example.com/a?x=1&amp;y=2" target="_blank" rel="noopener noreferrer"' in page
    assert "<mark>Hallucination</mark>" in page
    assert "查看完整答案" in page
    assert NOT_CONFIDENT not in page and html.escape(VERDICT_TEXT["match"]) in page
    assert "rag-score-high" in page


def test_sections_of_one_answer_share_a_card_with_also_links():
    response = SearchResponse(
        "hallucinations",
        "related",
        [result(), result(question_id="3.4", question="最难的问题", chunk_id="c2"), result(section="参考答案 › 监控")],
    )
    page = results_html(response, no_full_answer)
    assert page.count("<article") == 2  # 2.5 (ranks 1 and 3) and 3.4 (rank 2)
    first_card = page.split("<article")[1]
    assert 'id="rag-hit-1"' in first_card and 'id="rag-hit-3"' in first_card and 'id="rag-hit-2"' not in first_card
    assert 'href="#rag-hit-3"' in first_card and "Also in this answer" in first_card
    assert html.escape(VERDICT_TEXT["related"]) in page
    assert re.findall(r"rag-score-(high|low)", page) == ["high", "high", "high"]


def test_full_answer_puts_the_spoken_version_first_and_shows_the_review_date():
    body = "# Q\n\n## 考核点\n\n1. 点。\n\n## 参考答案\n\n### 要点\n\n正文。\n\n## 两分钟口述版\n\n我会这样说。\n"
    doc = Document("2.5", "Q", 2, "T", (), (), "authored", "", "", "x.md", body, 5, "h", (), "2026-11", "")
    page = results_html(SearchResponse("q", "match", [result()]), lambda qid: doc)
    full = page[page.index("rag-full-body"):]
    assert full.index("我会这样说") < full.index("考核点") < full.index("正文")
    assert "Facts checked: 2026-11" in full


def test_not_confident_results_are_flagged_and_dimmed():
    page = results_html(SearchResponse("reset my router", "none", [result(score=0.3)]), no_full_answer)
    assert html.escape(NOT_CONFIDENT) in page
    assert 'class="rag-results rag-weak"' in page
    assert "rag-score-low" in page


def test_notice_without_results():
    page = results_html(SearchResponse("", "none", [], "The question is empty"), no_full_answer)
    assert "The question is empty" in page and "rag-card" not in page


def test_remote_images_in_the_corpus_are_never_loaded():
    """Probe L12: ![px](http://…/tracking-pixel.png) in an answer made the browser fetch it."""
    remote = ["http://127.0.0.1:7889/tracking-pixel.png", "HTTPS://evil.example/a.png", "//evil.example/b.png",
              "ftp://evil.example/c.png"]  # fmt: skip
    for src in remote:
        out = markdown_html(f"before ![tracking *pixel*]({src}) after")
        assert "<img" not in out, out
        assert "tracking pixel" in out and html.escape(src) in out  # alt text and address, as text
    out = markdown_html('![<b>x</b>](http://evil.example/"onerror=alert(1))')
    assert "<img" not in out and "<b>" not in out and "onerror=alert(1)" in out  # as text only
    card = results_html(SearchResponse("q", results=[result(text="答案 ![px](http://evil.example/p.png)")]),
                        no_full_answer)  # fmt: skip
    assert "<img" not in card and "evil.example/p.png" in card
    assert "<img" in markdown_html("![local](images/a.png)")  # served by this server: nothing leaves it
