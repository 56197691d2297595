"""`rag practice` and `rag eval-practice` as a user runs them: stdin answers, JSON, exit codes, history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, REPO_CORPUS

ANSWER = "幻觉就是模型编造内容。我们用RAG检索知识库并标注引用，检索不到就转人工。所以我认为要把幻觉控制在可接受范围。"


def key_points(qid: str) -> list[str]:
    from rag import load_corpus
    from rag.practice import reference_of

    doc = next(d for d in load_corpus(REPO_CORPUS) if d.id == qid)
    return [k.title for k in reference_of(doc).key_points]


def rag(config_file, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "rag", "--config", str(config_file), *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture
def hash_config_file(tmp_path):
    """A rag.yaml with the hash embedder and a private data folder."""
    file = tmp_path / "rag.yaml"
    file.write_text(f"corpus: {REPO_CORPUS}\nindex: index\ndata_dir: data\nembedders: [hash]\n", encoding="utf-8")
    return file


def test_practice_json_contract_and_history(hash_config_file, tmp_path):
    out = rag(hash_config_file, "practice", "--question", "2.5", "--json", stdin=ANSWER)
    assert out.returncode == 0, out.stderr
    assert "2.5" in out.stderr and "幻觉" in out.stderr  # the question goes to stderr with --json
    data = json.loads(out.stdout)
    assert set(data) == {"question_id", "question", "coverage", "points", "delivery", "rubric", "url", "attempt",
                         "next_due"}
    assert data["question_id"] == "2.5" and 0 <= data["coverage"] <= 100
    assert [p["title"] for p in data["points"]] == key_points("2.5")
    assert {p["status"] for p in data["points"]} <= {"covered", "partly", "missed"}
    assert set(data["points"][0]) == {"title", "status", "score", "answer_sentence", "reference_sentence", "path",
                                      "start_line", "end_line", "in_spoken"}
    assert set(data["delivery"]) >= {"characters", "words", "speaking_seconds", "fillers", "filler_count",
                                     "opens_directly", "closes_with_stance", "numbers"}
    assert data["attempt"]["id"] == 1 and data["attempt"]["seconds"] is None
    assert (tmp_path / "data" / "practice.sqlite3").is_file()


def test_practice_text_output_and_next(hash_config_file):
    out = rag(hash_config_file, "practice", stdin=ANSWER)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Question 1.1 (part 1, not practised yet):")
    assert "Coverage 覆盖率" in out.stdout and "Delivery 表达:" in out.stdout and "Saved as attempt #1" in out.stdout
    assert "see:" in out.stdout and "part1/1.1-understanding-aigc.md:" in out.stdout  # a missed point's section
    again = rag(hash_config_file, "practice", "--next", stdin=ANSWER)
    assert again.stdout.startswith("Question 1.2 ")
    part = rag(hash_config_file, "practice", "--part", "3", stdin=ANSWER)
    assert part.stdout.startswith("Question 3.1 ")


def test_empty_answer_is_not_stored(hash_config_file, tmp_path):
    out = rag(hash_config_file, "practice", "--question", "2.5", stdin="  \n\n")
    assert out.returncode == 2
    assert "empty" in out.stderr and "nothing was scored or saved" in out.stderr
    assert not (tmp_path / "data" / "practice.sqlite3").exists()


def test_unknown_question_is_refused_by_name(hash_config_file):
    out = rag(hash_config_file, "practice", "--question", "7.7", stdin=ANSWER)
    assert out.returncode == 2 and "'7.7' is not in the bank" in out.stderr


def test_forget_deletes_the_history(hash_config_file, tmp_path):
    for _ in range(2):
        rag(hash_config_file, "practice", "--question", "2.5", stdin=ANSWER)
    out = rag(hash_config_file, "practice", "--forget")
    assert out.returncode == 0 and "Deleted 2 attempts" in out.stdout
    assert str(tmp_path / "data" / "practice.sqlite3") in out.stdout
    assert rag(hash_config_file, "practice", "--json", stdin=ANSWER).stderr.startswith("Question 1.1")


def test_damaged_history_is_one_clear_error(hash_config_file, tmp_path):
    (tmp_path / "data").mkdir()
    db = tmp_path / "data" / "practice.sqlite3"
    db.write_bytes(b"garbage " * 500)
    out = rag(hash_config_file, "practice", "--question", "2.5", stdin=ANSWER)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "damaged" in out.stderr and "data/practice.sqlite3" in out.stderr
    assert str(tmp_path) not in out.stderr  # named relative to the project, never by the absolute path
    assert db.read_bytes() == b"garbage " * 500


@pytest.mark.slow
def test_eval_practice_prints_the_figures(tmp_path, practice_vectors):
    shutil.copytree(practice_vectors, tmp_path / "data" / "practice-vectors")
    config_file = tmp_path / "rag.yaml"
    config_file.write_text(f"corpus: {REPO_CORPUS}\nindex: index\ndata_dir: data\n", encoding="utf-8")
    small = tmp_path / "set.yaml"
    small.write_text(
        "questions:\n"
        "  - id: '2.5'\n    split: report\n    answers:\n"
        f"      - {{level: strong, lang: zh, text: '{ANSWER}', covered: [幻觉是什么, 方案一]}}\n"
        "      - {level: weak, lang: zh, text: '嗯，这个不太清楚，换个模型就好了吧。'}\n",
        encoding="utf-8",
    )
    tuned = tmp_path / "tuned.yaml"
    tuned.write_text(small.read_text(encoding="utf-8").replace("split: report", "split: tune"), encoding="utf-8")
    out = rag(config_file, "eval-practice", str(small), str(tuned))
    assert out.returncode == 0, out.stderr
    assert "embedder: e5-small" in out.stdout
    first, second = out.stdout.split(f"== {small}\n")[1].split(f"== {tuned}\n")
    assert [line.split()[0] for line in first.strip().splitlines()[2:]] == ["report"]  # only the splits it has
    assert "( 1/ 1)" in first.splitlines()[2] and second.splitlines()[2].startswith("tune")  # strong > weak
    bad = tmp_path / "bad.yaml"
    bad.write_text(small.read_text(encoding="utf-8").replace("方案一", "方案九"), encoding="utf-8")
    out = rag(config_file, "eval-practice", str(bad))
    assert out.returncode == 1 and "'方案九' matches no key point of 2.5" in out.stderr and str(bad) in out.stderr


@pytest.fixture
def e5_config_file(tmp_path, real_index, practice_vectors):
    """A rag.yaml over the real corpus and the session's real index, with a private data folder."""
    shutil.copytree(practice_vectors, tmp_path / "data" / "practice-vectors")
    file = tmp_path / "rag.yaml"
    file.write_text(f"corpus: {REPO_CORPUS}\nindex: {real_index.index}\ndata_dir: data\n", encoding="utf-8")
    return file


COST = "推理成本要控制在收入的两到三成以内，毛利守住六成以上。我们用模型路由和缓存。"


@pytest.mark.slow
def test_practise_any_question_from_the_terminal(e5_config_file):
    out = rag(e5_config_file, "practice", "--ask", "AIGC产品怎么控制推理成本？", stdin=COST)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Your question own-1 (chosen): no prepared answer; its key points come from")
    assert "  ✓ covered  4.1 推理成本占收入多少才健康" in out.stdout and "Saved as attempt #1" in out.stdout
    again = rag(e5_config_file, "practice", "--question", "own-1", stdin=COST)
    assert again.returncode == 0 and "Saved as attempt #2" in again.stdout
    bank = rag(e5_config_file, "practice", "--ask", "你们是怎么避免机器人出现幻觉的？", stdin=COST)
    assert bank.stdout.startswith("Question 2.5 (part 2, chosen)")
    off = rag(e5_config_file, "practice", "--ask", "如何用SQL查询第二高的薪水？", stdin=COST)
    assert off.returncode == 2 and "Nothing in the bank covers this question" in off.stderr
    gone = rag(e5_config_file, "practice", "--remove", "own-1")
    assert gone.returncode == 0 and "Removed your question own-1 and its 2 attempts" in gone.stdout
    missing = rag(e5_config_file, "practice", "--question", "own-1", stdin=COST)
    assert missing.returncode == 2 and "'own-1' is not one of your questions" in missing.stderr


@pytest.mark.slow
def test_mock_round_reads_answers_separated_by_dashes(e5_config_file, tmp_path):
    answers = f"{COST}\n---\n我会先建测试集，再看准确率和转人工率。\n---\n{COST}\n"
    report = tmp_path / "round.md"
    out = rag(e5_config_file, "mock", "-n", "3", "--seed", "1", "--report", str(report), stdin=answers)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("Coverage 覆盖率") == 3 and "[3/3]" in out.stdout
    assert "Answered 3 of 3" in out.stdout and report.read_text(encoding="utf-8") in out.stdout
    half = rag(e5_config_file, "mock", "-n", "4", "--seed", "2", "--json", stdin=COST)
    assert half.returncode == 0, half.stderr
    assert "Round stopped after 1 of 4 questions" in half.stderr
    data = json.loads(half.stdout)
    assert (data["answered"], data["questions"]) == (1, 4) and data["rows"][1]["coverage"] is None
    assert rag(e5_config_file, "mock", "-n", "3", stdin="").returncode == 2  # nothing answered
    too_many = rag(e5_config_file, "mock", "-n", "11", stdin=COST)
    assert too_many.returncode == 2 and "-n" in too_many.stderr


def test_stdin_that_is_not_utf8_is_read_leniently(hash_config_file):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "rag", "--config", str(hash_config_file), "practice", "--question", "2.5",
               "--json"]
    out = subprocess.run(command, input="幻觉就是模型编造内容".encode() + b"\xff\xfe\xe3\x80\x82", capture_output=True,
                         env=env, timeout=600)
    assert out.returncode == 0, out.stderr.decode()
    data = json.loads(out.stdout)
    assert "removed from the answer" in data["notice"] and data["attempt"]["id"] == 1
    blank = rag(hash_config_file, "practice", "--question", "2.5", stdin="\u200b\ufeff\n")
    assert blank.returncode == 2 and "empty" in blank.stderr
