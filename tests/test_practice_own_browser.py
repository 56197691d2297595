"""End to end in headless Chromium: practise a searched question the bank has no answer for; a mock round."""

from __future__ import annotations

import base64

import pytest

from tests.test_practice_browser import open_page, practice_server  # noqa: F401  (module-scoped fixture)
from tests.test_ui_browser import browser  # noqa: F401  (module-scoped fixture)

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

COST = (
    "推理成本要控制在收入的两到三成以内，毛利守住六成以上。我们用模型路由，简单问题走小模型，再加语义缓存。"
    "所以我认为成本要从第一版就设计进去。"
)


@pytest.fixture
def page(browser, practice_server):  # noqa: F811
    context, page = open_page(browser, practice_server.url, practice=False)
    yield page
    context.close()


def search(page, question: str) -> None:
    box = page.locator("#rag-question textarea").first
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "(q) => document.querySelector('#rag-results .rag-summary')?.textContent.includes(q)", arg=question
    )


def test_search_practise_this_answer_feedback_progress(page):
    search(page, "AIGC产品怎么控制推理成本？")
    page.locator("#rag-practise").wait_for(state="visible")
    assert "No prepared answer exists" in page.locator("#rag-practise-note").inner_text()
    page.locator("#rag-practise").click()
    own = page.locator("#pr-shown .pr-own")
    own.wait_for()
    assert page.get_by_role("tab", name="练习 Practice").get_attribute("aria-selected") == "true"
    assert "No prepared answer exists for this question" in own.inner_text()
    sources = own.locator(".pr-sources li").all_inner_texts()
    assert 1 <= len(sources) <= 4 and sources[0].startswith("4.1")  # each point named with its answer and lines
    qid = own.get_attribute("data-qid")
    assert qid.startswith("own-")
    page.locator("#pr-answer textarea").fill(COST)
    page.locator("#pr-submit").click()
    feedback = page.locator("#pr-feedback .pr-feedback")
    feedback.wait_for()
    titles = page.locator("#pr-feedback .pr-point .pr-title").all_inner_texts()
    assert len(titles) == len(sources) and titles[0].startswith("4.1 ")
    assert page.locator("#pr-feedback .pr-point").first.get_attribute("data-status") != "missed"
    row = page.locator(f"#pr-progress tr[data-qid='{qid}']")
    row.wait_for()
    assert row.locator("td").nth(2).inner_text() == "1"  # one attempt, listed under the bank's questions
    assert "Your own questions" in page.locator("#pr-progress .pr-own-head").inner_text()


def test_none_offers_no_practice(page):
    search(page, "如何用SQL查询第二高的薪水？")
    page.wait_for_function("() => document.querySelector('#rag-practise-note')?.textContent.includes('No practice')")
    assert not page.locator("#rag-practise").is_visible()


def test_mock_round_of_three_to_its_report(page, practice_server):  # noqa: F811
    page.get_by_role("tab", name="模拟面试 Mock").click()
    slider = page.locator("#mk-count input[type='number']")
    slider.fill("3")
    slider.press("Enter")
    page.locator("#mk-start").click()
    page.wait_for_function("() => document.querySelector('#mk-shown .mk-step')?.textContent.includes('1 / 3')")
    answers = [COST, "我会先建测试集，再看准确率和转人工率。", COST]
    for number, answer in enumerate(answers, 1):
        page.locator("#mk-answer textarea").fill(answer)
        page.locator("#mk-submit").click()
        page.wait_for_function("(n) => document.querySelectorAll('#mk-log li').length === n", arg=number)
    report = page.locator("#mk-report .mk-report")
    report.wait_for()
    text = report.inner_text()
    assert "Answered 3 of 3" in text and "Weakest points" in text and "Due next" in text
    assert report.locator("table tbody tr").count() == 3
    href = report.locator("a.mk-save").get_attribute("href")
    markdown = base64.b64decode(href.split("base64,", 1)[1]).decode("utf-8")
    assert markdown.startswith("# 模拟面试报告 Mock round report") and "](corpus/part" in markdown
    assert "本轮结束" in page.locator("#mk-shown").inner_text()
