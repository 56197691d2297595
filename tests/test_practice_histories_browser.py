"""End to end in headless Chromium on a shared server: two browsers, two practice histories (probe N3)."""

from __future__ import annotations

import pytest

from rag.practice.history import History
from tests.test_practice_browser import ANSWER, choose, open_page, practice_server  # noqa: F401  (fixture)
from tests.test_ui_browser import browser  # noqa: F401  (module-scoped fixture)

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]
PER_BROWSER = True  # the practice_server fixture serves one history per browser


def attempts_shown(page, qid: str) -> str:
    return page.locator(f"#pr-progress tr[data-qid='{qid}'] td").nth(2).inner_text()


def test_two_browsers_keep_their_own_histories(browser, practice_server):  # noqa: F811
    alice, alice_page = open_page(browser, practice_server.url)
    bob, bob_page = open_page(browser, practice_server.url)
    try:
        choose(alice_page, "2.5")
        alice_page.locator("#pr-answer textarea").fill(ANSWER)
        alice_page.locator("#pr-submit").click()
        alice_page.locator("#pr-feedback .pr-feedback").wait_for()
        alice_page.wait_for_function("() => document.querySelector(\"#pr-progress tr[data-qid='2.5']\")"
                                     "?.children[2].textContent === '1'")
        bob_page.reload()
        bob_page.get_by_role("tab", name="练习 Practice").click()
        bob_page.locator("#pr-progress tr[data-qid='2.5']").wait_for()
        assert attempts_shown(bob_page, "2.5") == "0"  # Alice's attempt is not Bob's to see
        bob_page.locator("#pr-confirm input").check()
        bob_page.locator("#pr-forget").click()
        bob_page.wait_for_function("() => document.querySelector('#pr-forget-msg').textContent.includes('Deleted 0')")
        alice_page.reload()  # the same browser keeps its token (localStorage) and so its history
        alice_page.get_by_role("tab", name="练习 Practice").click()
        alice_page.locator("#pr-progress tr[data-qid='2.5']").wait_for()
        alice_page.wait_for_function("() => document.querySelector(\"#pr-progress tr[data-qid='2.5']\")"
                                     "?.children[2].textContent === '1'")
        files = sorted((practice_server.data / "practice-browsers").glob("*.sqlite3"))
        assert [len(History(f).attempts()) for f in files] == [1]  # Alice's; Bob's was never written
        assert not (practice_server.data / "practice.sqlite3").exists()  # the server's own file is untouched
    finally:
        alice.close()
        bob.close()
