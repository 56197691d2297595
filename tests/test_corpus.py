"""Corpus parsing and validation: the real answer bank and every kind of bad file."""

from __future__ import annotations

import pytest

from rag import CorpusError, check_corpus, load_corpus
from tests.conftest import REPO_CORPUS
from tests.helpers import write_answer

ARTICLE_IDS = [f"1.{i}" for i in range(1, 7)] + [f"2.{i}" for i in range(1, 9)] + [f"3.{i}" for i in range(1, 6)]


def test_real_corpus_has_the_articles_19_questions_and_aliases_on_every_answer():
    docs = load_corpus(REPO_CORPUS)
    ids = [d.id for d in docs]
    assert set(ARTICLE_IDS) <= set(ids) and len(ids) == len(set(ids))  # the bank may grow (Part 4 …)
    for doc in docs:
        zh = [a for a in doc.aliases if any("\u4e00" <= ch <= "\u9fff" for ch in a)]
        en = [a for a in doc.aliases if a not in zh]
        assert len(zh) >= 3 and len(en) >= 2, doc.path
        assert doc.path.split("/")[-1].startswith(doc.id + "-")
        assert doc.part_number == int(doc.id.split(".")[0])


def test_seed_answers_cite_the_article():
    seeds = [d for d in load_corpus(REPO_CORPUS) if d.origin == "seed"]
    assert sorted(d.id for d in seeds) == [f"1.{i}" for i in range(1, 7)]
    assert all(d.source_url.startswith("https://blog.csdn.net/") for d in seeds)


def test_no_advertising_in_answers():
    for doc in load_corpus(REPO_CORPUS):
        assert "二维码" not in doc.body and "![" not in doc.body, doc.path


def _problems(tmp_path):
    docs, problems = check_corpus(tmp_path)
    return docs, [str(p) for p in problems]


def test_yaml_error_names_file_and_line(tmp_path):
    write_answer(tmp_path, "1.1", "问题", aliases="[unclosed")
    _, problems = _problems(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("1.1-test.md:5:") and "invalid YAML" in problems[0]


def test_missing_id_and_question(tmp_path):
    path = write_answer(tmp_path, "1.1", "问题")
    text = path.read_text(encoding="utf-8").replace('id: "1.1"\n', "").replace("question: 问题\n", "")
    path.write_text(text, encoding="utf-8")
    _, problems = _problems(tmp_path)
    assert any("missing required field 'id'" in p for p in problems)
    assert any("missing required field 'question'" in p for p in problems)


def test_unquoted_numeric_id_is_rejected_with_its_line(tmp_path):
    write_answer(tmp_path, "1.1", "问题", id="1.1")
    _, problems = _problems(tmp_path)
    assert problems == ["1.1-test.md:2: 'id' must be a quoted string like \"2.5\", got 1.1"]


def test_duplicate_ids(tmp_path):
    write_answer(tmp_path, "1.1", "问题")
    (tmp_path / "sub").mkdir()
    write_answer(tmp_path / "sub", "1.1", "另一个问题")
    docs, problems = _problems(tmp_path)
    assert len(docs) == 1
    assert any("duplicate id '1.1'" in p and "sub/1.1-test.md" in p for p in problems)


def test_empty_answer(tmp_path):
    write_answer(tmp_path, "1.1", "问题", body="# 问题\n\n## 考核点\n\n1. x\n\n## 参考答案\n\n### 空\n\n")
    _, problems = _problems(tmp_path)
    assert len(problems) == 1 and "empty answer" in problems[0]
    assert problems[0].startswith("1.1-test.md:15:")


def test_not_utf8(tmp_path):
    path = write_answer(tmp_path, "1.1", "问题")
    path.write_bytes(path.read_bytes() + "\n坏".encode("gbk"))
    _, problems = _problems(tmp_path)
    assert len(problems) == 1 and "not valid UTF-8" in problems[0]


def test_too_large(tmp_path):
    path = write_answer(tmp_path, "1.1", "问题")
    path.write_text(path.read_text(encoding="utf-8") + "长" * 300_000, encoding="utf-8")
    _, problems = _problems(tmp_path)
    assert len(problems) == 1 and "larger than" in problems[0]


def test_missing_front_matter(tmp_path):
    (tmp_path / "x.md").write_text("# 只有标题\n", encoding="utf-8")
    _, problems = _problems(tmp_path)
    assert problems == ["x.md:1: missing YAML front matter (a '---' block at the top)"]


def test_load_corpus_raises_with_every_problem(tmp_path):
    write_answer(tmp_path, "1.1", "问题", origin="copied")
    write_answer(tmp_path, "1.2", "问题二", aliases="这不是列表")
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path)
    assert len(info.value.problems) == 2
    assert "1.1-test.md" in str(info.value) and "1.2-test.md" in str(info.value)
