"""Corpus reading under hostile or racing conditions (probe L2, L5, L10 check format, L11)."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

import rag.bank.corpus
from rag import CorpusError, check_corpus, load_corpus
from rag.bank.corpus import corpus_hashes, data_files, parse_document
from tests.helpers import write_answer

SECRET = "OUTSIDE-SECRET-TOKEN-12345"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the corpus holding a valid answer file and a config file with secrets."""
    folder = tmp_path / "outside"
    folder.mkdir()
    write_answer(folder, "9.2", "outside question", body=f"# q\n\n## 参考答案\n\n{SECRET} lives outside.\n")
    (folder / "config.yaml").write_text('---\nid: DB_PASSWORD=hunter2\norigin: "api_key=sk-LEAKED"\n---\n')
    return folder


def test_a_link_to_a_file_outside_the_corpus_is_refused(corpus_copy, outside):
    (corpus_copy / "part1" / "9.2-outside.md").symlink_to(outside / "9.2-test.md")
    (corpus_copy / "part1" / "9.3-config.md").symlink_to(outside / "config.yaml")
    docs, problems = check_corpus(corpus_copy)
    assert "9.2" not in {d.id for d in docs}
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"part1/9.2-outside.md", "part1/9.3-config.md"}
    assert all("outside the corpus" in p.message and p.line == 1 for p in problems)
    text = "\n".join(map(str, problems))
    assert "hunter2" not in text and "sk-LEAKED" not in text and SECRET not in text
    hashes = corpus_hashes(corpus_copy)  # the staleness check must not read them either
    assert hashes["part1/9.2-outside.md"] != rag.bank.corpus.file_digest((outside / "9.2-test.md").read_bytes())


def test_a_link_that_stays_inside_the_corpus_is_read(corpus_copy):
    link = corpus_copy / "part2" / "2.5-hallucination.md"
    link.rename(corpus_copy / "2.5-real.txt")
    link.symlink_to(Path("..") / "2.5-real.txt")
    assert "2.5" in {d.id for d in load_corpus(corpus_copy)}


def test_a_file_that_vanishes_while_reading_is_a_problem_not_a_crash(corpus_copy):
    gone = corpus_copy / "part3" / "3.8-gone.md"
    doc, problems = parse_document(gone, "part3/3.8-gone.md", 512_000)
    assert doc is None and problems and "disappeared" in problems[0].message


def test_listing_then_vanishing_files_do_not_crash_hashing_or_checking(corpus_copy, monkeypatch):
    listed = rag.bank.corpus.corpus_files(corpus_copy)
    gone = corpus_copy / "part3" / "3.8-gone.md"
    monkeypatch.setattr(rag.bank.corpus, "corpus_files", lambda folder: sorted([*listed, gone]))
    hashes = corpus_hashes(corpus_copy)
    assert "part3/3.8-gone.md" not in hashes and len(hashes) == len(listed) + len(data_files(corpus_copy))
    docs, problems = check_corpus(corpus_copy)
    assert len(docs) == len(listed)
    assert [p.path for p in problems] == ["part3/3.8-gone.md"]


def test_hashing_reads_only_files_whose_size_or_mtime_changed(corpus_copy, monkeypatch):
    reads: list[int] = []
    digest = rag.bank.corpus.file_digest
    monkeypatch.setattr(rag.bank.corpus, "file_digest", lambda data: reads.append(len(data)) or digest(data))
    first = corpus_hashes(corpus_copy)
    assert len(reads) == len(first)
    reads.clear()
    assert corpus_hashes(corpus_copy) == first and reads == []
    path = corpus_copy / "part2" / "2.7-ai-agent.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    second = corpus_hashes(corpus_copy)
    assert len(reads) == 1 and second["part2/2.7-ai-agent.md"] != first["part2/2.7-ai-agent.md"]


def test_an_oversized_file_is_never_read_in_full(corpus_copy):
    big = corpus_copy / "part1" / "9.9-big.md"
    with open(big, "wb") as out:
        out.truncate(64 * 1024 * 1024)  # 64 MiB of zeros (sparse)
    tracemalloc.start()
    try:
        doc, problems = parse_document(big, "part1/9.9-big.md", 512_000)
        hashes = corpus_hashes(corpus_copy, max_bytes=512_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert doc is None and "larger than the 512000-byte limit" in problems[0].message
    assert "part1/9.9-big.md" in hashes
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes"


def test_every_file_problem_names_file_and_line(corpus_copy):
    """Probe L10: the size problem printed without line, unlike every other problem."""
    big = corpus_copy / "part1" / "9.9-big.md"
    big.write_bytes(b"x" * 600_000)
    with pytest.raises(CorpusError) as caught:
        load_corpus(corpus_copy, 512_000)
    assert "part1/9.9-big.md:1: file is 600000 bytes" in str(caught.value)


def test_a_symlink_loop_is_a_problem(corpus_copy):
    loop = corpus_copy / "part1" / "9.4-loop.md"
    os.symlink(loop, loop)
    _, problems = check_corpus(corpus_copy)
    assert any(p.path == "part1/9.4-loop.md" for p in problems)
