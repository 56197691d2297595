"""End to end in headless Chromium: practise one question on the page, check the feedback and the history."""

from __future__ import annotations

import shutil
from dataclasses import replace
from types import SimpleNamespace

import pytest

from tests.conftest import REPO_CORPUS, free_port
from tests.test_practice_cli import key_points
from tests.test_ui_browser import CHROMIUM_ARGS, TIMEOUT_MS, browser  # noqa: F401  (module-scoped fixture)

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

ANSWER = (
    "幻觉就是模型一本正经地编造内容，因为它按概率预测下一个词。我们用RAG先检索知识库，只依据资料回答并标注引用，"
    "检索不到就转人工。高风险问题必须有依据，置信度低就转人工。我们每周抽样200条看幻觉率，从8%降到了2%。"
    "所以我认为幻觉没法彻底消除，要把它控制在可接受范围内。"
)


@pytest.fixture(scope="module")
def practice_server(request, tmp_path_factory, real_index, practice_vectors):
    """The page over a corpus copy, with an empty practice history and the session's practice vectors
    (one history per browser when the test module sets ``PER_BROWSER``)."""
    from rag import AnswerFinder
    from ui.app import build_app, launch

    root = tmp_path_factory.mktemp("practice-ui")
    shutil.copytree(REPO_CORPUS, root / "corpus")
    shutil.copytree(real_index.index, root / "index", symlinks=True)
    shutil.copytree(practice_vectors, root / "data" / "practice-vectors")
    config = replace(real_index, corpus=root / "corpus", index=root / "index", data_dir=root / "data")
    demo = build_app(AnswerFinder(config), per_browser=getattr(request.module, "PER_BROWSER", False))
    launch(demo, "127.0.0.1", free_port(), block=False)
    try:
        yield SimpleNamespace(url=demo.local_url, data=root / "data")
    finally:
        demo.close()


def open_page(browser, url: str, practice: bool = True):  # noqa: F811
    """A fresh browser context on the page (its own localStorage), on the Practice tab when ``practice``."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    if practice:
        page.get_by_role("tab", name="练习 Practice").click()
        page.locator("#pr-shown .pr-question[data-qid]").wait_for()
    else:
        page.locator("#rag-question textarea").wait_for()
    return context, page


@pytest.fixture
def page(browser, practice_server):  # noqa: F811
    context, page = open_page(browser, practice_server.url)
    yield page
    context.close()


def choose(page, qid: str) -> None:
    box = page.locator("#pr-question input")
    box.click()
    box.fill(qid)
    page.get_by_role("option", name=qid).first.click()
    page.wait_for_function(f"() => document.querySelector('#pr-shown .pr-question')?.dataset.qid === '{qid}'")


def test_practise_one_question_end_to_end(page, practice_server):
    assert page.locator("#pr-shown .pr-question").get_attribute("data-qid") == "1.1"  # next due on a new history
    choose(page, "2.5")
    page.locator("#pr-start").click()
    page.wait_for_function("() => /^1:5\\d/.test(document.querySelector('#pr-countdown .pr-countdown').textContent)")
    page.locator("#pr-answer textarea").fill(ANSWER)
    page.locator("#pr-submit").click()
    feedback = page.locator("#pr-feedback .pr-feedback")
    feedback.wait_for()
    coverage = int(feedback.get_attribute("data-coverage"))
    assert 0 < coverage <= 100
    assert page.locator("#pr-feedback .pr-score-num").inner_text() == str(coverage)
    statuses = page.locator("#pr-feedback .pr-point").evaluate_all("els => els.map(e => e.dataset.status)")
    assert len(statuses) == len(key_points("2.5")) and "covered" in statuses and "missed" in statuses
    covered = page.locator("#pr-feedback .pr-covered").first
    assert covered.locator(".pr-you").inner_text().split(maxsplit=2)[-1] in ANSWER
    missed = page.locator("#pr-feedback .pr-missed").first
    target = missed.locator("a.pr-link").get_attribute("href")
    assert page.locator(f"#pr-feedback {target}[open]").count() == 1  # the missed point's section, opened
    assert "2.5-hallucination.md:" in missed.inner_text()
    delivery = page.locator("#pr-feedback .pr-delivery").inner_text()
    assert "200条" in delivery and "8%" in delivery and "a stance" in delivery
    row = page.locator('#pr-progress tr[data-qid="2.5"]').inner_text().split("\t")
    assert row[2:4] == ["1", str(coverage)]

    page.locator("#pr-answer textarea").fill("   ")
    page.locator("#pr-submit").click()
    page.locator("#pr-feedback .rag-notice").wait_for()
    assert "empty" in page.locator("#pr-feedback .rag-notice").inner_text()
    assert page.locator('#pr-progress tr[data-qid="2.5"]').inner_text().split("\t")[2] == "1"

    from rag.practice import History

    stored = History(practice_server.data / "practice.sqlite3").attempts()
    assert [(a.question_id, a.answer, a.coverage) for a in stored] == [("2.5", ANSWER, coverage)]
    assert stored[0].seconds is not None and stored[0].seconds > 0


def test_delete_history_needs_confirmation(page, practice_server):
    page.locator("#pr-forget").click()
    page.get_by_text("Tick the box to confirm").wait_for()
    page.locator("#pr-confirm input").check()
    page.locator("#pr-forget").click()
    page.wait_for_function(
        "() => document.querySelector('#pr-forget-msg').innerText.includes('Deleted 1 attempt')"
        " && document.querySelector('#pr-progress tr[data-qid=\"2.5\"] td:nth-child(3)').innerText === '0'"
    )
    assert not (practice_server.data / "practice.sqlite3").read_bytes().count(ANSWER[:12].encode())
