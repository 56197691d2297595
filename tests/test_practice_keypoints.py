"""Key points, rubric and spoken version read from corpus files, with and without a spoken section."""

from __future__ import annotations

from rag import load_corpus
from rag.bank.corpus import parse_document
from rag.practice.keypoints import reference_of, split_sentences
from tests.conftest import REPO_CORPUS
from tests.helpers import write_answer

SPOKEN_BODY = """# 测试问题？

## 考核点

1. 概念：是否讲清定义。
2. 方法：是否给出做法。

## 参考答案

### 回答结构

先总后分。

### 定义

幻觉是模型编造内容。它按概率生成。

### 做法

- **RAG**：先检索再回答。
- 主要成因：

## 两分钟口述版

*本节为本项目撰写的口述版，不是原文内容。*

我认为幻觉是模型编造内容。我们用检索增强来解决，上线后幻觉率降到2%。
"""


def _doc(tmp_path, body):
    path = write_answer(tmp_path, "9.1", "测试问题？", body)
    doc, problems = parse_document(path, path.name, 512_000)
    assert doc is not None, problems
    return doc


def test_every_bank_answer_has_key_points_from_its_sections():
    for doc in load_corpus(REPO_CORPUS):
        ref = reference_of(doc)
        assert len(ref.key_points) >= 2, doc.path
        assert 3 <= len(ref.rubric) <= 6, doc.path  # the 考核点 list: the interviewer's rubric
        assert not any(k.title.startswith("回答结构") for k in ref.key_points), doc.path
        for point in ref.key_points:
            assert point.sentences and point.start_line <= point.end_line, (doc.path, point.title)


def test_line_numbers_point_at_the_section_text():
    doc = next(d for d in load_corpus(REPO_CORPUS) if d.id == "2.5")
    point = reference_of(doc).find("方案一")[0]
    lines = (REPO_CORPUS / doc.path).read_text(encoding="utf-8").split("\n")
    assert lines[point.start_line - 1].startswith("最有效的手段")
    assert lines[point.start_line - 3] == "### 方案一：RAG 检索增强并附引用"


def test_spoken_version_is_read_and_is_not_a_key_point(tmp_path):
    ref = reference_of(_doc(tmp_path, SPOKEN_BODY))
    assert [k.title for k in ref.key_points] == ["定义", "做法"]
    assert ref.spoken == ("我认为幻觉是模型编造内容。", "我们用检索增强来解决，上线后幻觉率降到2%。")
    assert "本节为本项目撰写" not in ref.spoken_text and "2%" in ref.spoken_text
    assert ref.spoken_line > 0
    assert ref.rubric == ("概念：是否讲清定义。", "方法：是否给出做法。")


def test_spoken_subsection_inside_the_answer_is_not_a_key_point(tmp_path):
    body = SPOKEN_BODY.replace("## 两分钟口述版", "### 口述版（约2分钟）")
    ref = reference_of(_doc(tmp_path, body))
    assert [k.title for k in ref.key_points] == ["定义", "做法"]
    assert len(ref.spoken) == 2


def test_without_a_spoken_version(tmp_path):
    body = SPOKEN_BODY.split("## 两分钟口述版")[0]
    ref = reference_of(_doc(tmp_path, body))
    assert ref.spoken == () and ref.spoken_text == "" and ref.spoken_line == 0
    assert len(ref.key_points) == 2


def test_labels_find_key_points_by_heading_prefix():
    doc = next(d for d in load_corpus(REPO_CORPUS) if d.id == "3.4")
    ref = reference_of(doc)
    assert [k.title for k in ref.find("结果")] == ["结果：指标和留下的流程"]
    assert ref.find("不存在") == []


def test_sentence_split_handles_lists_emphasis_and_english():
    text = "- **RAG**：先检索再回答。然后生成！\n1. First point. Second point?\n\n"
    assert split_sentences(text) == ["RAG：先检索再回答。", "然后生成！", "First point.", "Second point?"]
