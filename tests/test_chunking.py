"""Chunking: sections with heading paths, question and alias chunks, correct file line numbers."""

from __future__ import annotations

from rag import load_corpus
from rag.bank.corpus import parse_document
from rag.index.chunking import chunk_document
from tests.conftest import REPO_CORPUS
from tests.helpers import write_answer


def _normalise(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def test_section_chunks_point_at_their_file_lines():
    for doc in load_corpus(REPO_CORPUS):
        lines = (REPO_CORPUS / doc.path).read_text(encoding="utf-8").split("\n")
        for chunk in chunk_document(doc):
            if chunk.kind != "section":
                continue
            window = "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
            first, last = _normalise(chunk.text)[0], _normalise(chunk.text)[-1]
            assert lines[chunk.end_line - 1].strip() == last, (doc.path, chunk.section)
            assert first in window or chunk.start_line > 1, (doc.path, chunk.section)


def test_heading_paths_and_kinds():
    doc = next(d for d in load_corpus(REPO_CORPUS) if d.id == "1.1")
    chunks = chunk_document(doc)
    kinds = [c.kind for c in chunks]
    assert kinds[0] == "question" and kinds.count("alias") == len(set(doc.aliases) - {doc.question})
    sections = [c.section for c in chunks if c.kind == "section"]
    assert sections[0] == "考核点"
    assert "参考答案 › 定义" in sections
    assert all(c.url == doc.source_url for c in chunks)


def test_long_section_is_split_with_overlap_and_exact_lines(tmp_path):
    paragraphs = [f"第{i}段。" + "内容" * 60 + "。结尾句子。" for i in range(6)]
    body = "# 问题\n\n## 考核点\n\n1. 一点。\n\n## 参考答案\n\n### 长节\n\n" + "\n\n".join(paragraphs) + "\n"
    path = write_answer(tmp_path, "1.1", "问题", body=body)
    doc, problems = parse_document(path, path.name, 100_000)
    assert not problems
    pieces = [c for c in chunk_document(doc, max_chars=150, overlap=20) if c.section == "参考答案 › 长节"]
    assert len(pieces) == 6
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, piece in enumerate(pieces):
        assert lines[piece.start_line - 1] == paragraphs[i]
        if i:
            assert piece.text.startswith("结尾句子。")  # the tail sentence of the previous piece


def test_chunk_ids_depend_on_content_and_question(tmp_path):
    path = write_answer(tmp_path, "1.1", "问题")
    doc, _ = parse_document(path, path.name, 100_000)
    ids = {c.id for c in chunk_document(doc)}
    path.write_text(path.read_text(encoding="utf-8").replace("答案正文", "改过的答案"), encoding="utf-8")
    edited, _ = parse_document(path, path.name, 100_000)
    new_ids = {c.id for c in chunk_document(edited)}
    assert len(ids - new_ids) == 1 and len(new_ids - ids) == 1


def test_a_giant_paragraph_is_split_into_bounded_chunks(tmp_path):
    """Probe L6: one 460 KB paragraph became one chunk, a 2-minute embedding and a 1.7 MB search response."""
    sentences = " ".join(f"capybara{i} word." for i in range(20_000))
    run_on = "x" * 5_000  # no sentence end and no space at all: must be cut hard
    body = f"# 问题\n\n## 参考答案\n\n### 巨段\n\n{sentences}\n{run_on}\n\n最后一段。\n"
    path = write_answer(tmp_path, "3.96", "giant paragraph", body=body)
    doc, problems = parse_document(path, path.name, 2_000_000)
    assert not problems
    pieces = [c for c in chunk_document(doc, max_chars=600, overlap=80) if c.kind == "section"]
    assert len(pieces) > 500
    assert max(len(c.text) for c in pieces) <= 600 + 80 + 1
    text = "".join(c.text for c in pieces)
    assert "capybara19999 word." in text and "capybara0 word." in text and "最后一段。" in text
    lines = path.read_text(encoding="utf-8").split("\n")
    for piece in pieces:
        last = piece.text.split("\n")[-1]
        assert last in lines[piece.end_line - 1], (piece.start_line, piece.end_line, last[:40])
    first_sentence_piece = next(c for c in pieces if "capybara0 word." in c.text)
    assert first_sentence_piece.text.startswith("capybara0 word.") and first_sentence_piece.text.endswith(".")
