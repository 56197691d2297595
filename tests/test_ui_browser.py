"""End-to-end: the page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Gradio's queue trips pandas deprecation warnings on every event; they are not ours to fix.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
QUESTION_BOX = "#rag-question textarea, #rag-question input"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, ui_server):
    """Open the app at a given viewport width; records any JavaScript dialog in ``page.dialogs``."""
    contexts = []

    def open_at(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(ui_server.url)
        page.locator(QUESTION_BOX).first.wait_for()
        return page

    yield open_at
    for context in contexts:
        context.close()


def ask(page, question: str) -> None:
    box = page.locator(QUESTION_BOX).first
    box.fill(question)
    box.press("Enter")
    page.locator("#rag-results .rag-summary, #rag-results .rag-notice").first.wait_for()


def test_enter_shows_the_hallucination_card_with_its_source(open_page):
    page = open_page()
    ask(page, "how do you handle hallucinations?")
    first = page.locator("#rag-results .rag-card").first
    assert first.get_attribute("data-qid") == "2.5"
    assert "2.5-hallucination.md" in first.locator(".rag-source").first.inner_text()
    assert "0." in first.locator(".rag-score-num").first.inner_text()
    banner = page.locator("#rag-results .rag-banner")
    assert "rag-verdict-match" in banner.get_attribute("class")
    assert "A prepared question, or very close to one" in banner.inner_text()


def test_full_answer_opens(open_page):
    page = open_page()
    ask(page, "大模型胡说八道怎么办")
    card = page.locator('#rag-results .rag-card[data-qid="2.5"]').first
    body = card.locator(".rag-full-body")
    assert not body.is_visible()
    card.locator("details summary").click()
    body.wait_for(state="visible")
    text = body.inner_text()
    assert "成因理解" in text and "方案一：RAG 检索增强并附引用" in text
    assert card.locator("mark").count() > 0  # query words are highlighted


def test_out_of_scope_question_shows_the_banner(open_page):
    page = open_page()
    ask(page, "How do I reset my router?")
    assert "Nothing in the bank covers this question" in page.locator("#rag-results .rag-banner").inner_text()
    opacity = page.locator("#rag-results .rag-card").first.evaluate("el => getComputedStyle(el).opacity")
    assert float(opacity) < 1
    why = page.locator("#rag-results .rag-why")
    assert not why.locator("li").first.is_visible()  # folded until asked for
    why.locator("summary").click()
    assert why.locator("li").first.inner_text().startswith("match score")


def test_rebuild_button_updates_the_panel(open_page):
    page = open_page()
    page.get_by_text("索引 Index").first.click()
    status = page.locator("#rag-status")
    status.get_by_text("嵌入模型 Embedders").wait_for()
    summary = page.locator("#rag-summary textarea")
    assert summary.input_value() == ""
    page.locator("#rag-rebuild").click()
    page.wait_for_function(
        "() => document.querySelector('#rag-summary textarea').value.includes('reused')", timeout=TIMEOUT_MS
    )
    assert "Rebuilt" in summary.input_value()
    assert "Up to date with the corpus" in status.inner_text()


def test_markup_typed_as_a_question_stays_text(open_page):
    page = open_page()
    question = "<img src=x onerror=alert(1)>"
    ask(page, question)
    page.wait_for_timeout(500)  # give a wrongly created image time to fail and fire its handler
    assert page.locator("#rag-results .rag-query").inner_text() == question
    assert page.locator("#rag-results img").count() == 0
    assert page.dialogs == []


def test_phone_width_does_not_overflow(open_page):
    page = open_page(390, 844)
    ask(page, "how do you handle hallucinations?")
    page.locator("#rag-results .rag-card").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    widths = page.locator("#rag-results .rag-card").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)")
    assert max(widths) <= 390


def test_corpus_errors_in_the_warning_toast_are_text(open_page, ui_server):
    """Probe L1: a file name and a YAML error were rendered as HTML in the toast (a live link, a cut message)."""
    part3 = ui_server.config.corpus / "part3"
    evil = part3 / "3.6-<img src=x onerror=alert('toast')><a href=https:&#47;&#47;evil.example>CLICK ME.md"
    bad_yaml = part3 / "3.62-badyaml2.md"
    evil.write_text("no front matter\n", encoding="utf-8")
    front = '---\nid: "3.62"\nquestion: "a" b\npart: {number: 3, title: t}\norigin: authored\n---\n'
    bad_yaml.write_text(front + "\n## 参考答案\n\ntext\n", encoding="utf-8")
    try:
        page = open_page()
        page.get_by_text("索引 Index").first.click()
        page.locator("#rag-rebuild").click()
        toast = page.locator('[data-testid="toast-text"]').first
        toast.wait_for()
        page.wait_for_timeout(500)
        text = toast.inner_text()
        assert "<img src=x onerror=alert('toast')><a href=https:&#47;&#47;evil.example>CLICK ME.md" in text
        assert "expected <block end>, but found '<scalar>'" in text
        assert "\n" in text.strip()  # the problems stay on their own lines
        assert toast.locator("img, a").count() == 0
        assert page.dialogs == []
    finally:
        evil.unlink()
        bad_yaml.unlink()
