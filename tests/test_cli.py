"""The `rag` command as a user runs it: arguments, stdin, JSON contract, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.bank.corpus import corpus_files, corpus_hashes, load_corpus
from rag.cli.main import build_parser
from tests.conftest import REPO, REPO_CORPUS
from tests.helpers import hash_cli_options, write_answer


def run(*args: str, stdin: str | None = None, config=None) -> subprocess.CompletedProcess:
    base = [sys.executable, "-m", "rag"]
    if config is not None:
        base += ["--corpus", str(config.corpus), "--index", str(config.index)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([*base, *args], input=stdin, capture_output=True, text=True, env=env, timeout=600)


def test_ask_json_contract(real_index):
    out = run("ask", "how do you handle hallucinations?", "-k", "3", "--json", "--no-rebuild", config=real_index)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"query", "verdict", "confident", "reason", "results", "glossary"}
    assert data["glossary"] == ["幻觉"]  # the bank's word for "hallucinations", from corpus/glossary.yaml
    assert data["query"] == "how do you handle hallucinations?" and data["confident"] is True
    assert data["verdict"] == "match"
    assert len(data["results"]) == 3 and data["results"][0]["question_id"] == "2.5"
    first = data["results"][0]
    assert set(first) == {"question_id", "question", "section", "text", "score", "source"}
    assert set(first["source"]) == {"path", "start_line", "end_line", "url"}
    assert first["source"]["path"].endswith("part2/2.5-hallucination.md")


def test_ask_explain_shows_the_scores_behind_the_verdict(real_index):
    text = run("ask", "红烧肉怎么做才好吃", "--explain", "--no-rebuild", config=real_index)
    assert text.returncode == 0, text.stderr
    why = text.stdout.split("Why this verdict 判断依据:\n")[1].splitlines()
    assert why[0].strip().startswith("match score") and " < " in why[0]  # verdict none: both below
    assert why[1].strip().startswith("related score") and " < " in why[1] and "section" in why[1]
    data = json.loads(run("ask", "红烧肉怎么做才好吃", "--explain", "--json", "--no-rebuild", config=real_index).stdout)
    assert data["verdict"] == "none" and [line.split()[0] for line in data["why"]] == ["match", "related"]


def test_ask_text_output_shows_sources(real_index):
    out = run("ask", "AIGC在金融行业有哪些应用", "--no-rebuild", config=real_index)
    assert out.returncode == 0, out.stderr
    assert "[1] 1.2" in out.stdout
    assert "source: " in out.stdout and "https://blog.csdn.net/" in out.stdout


def test_ask_text_says_when_nothing_fits(real_index):
    out = run("ask", "How do I reset my router?", "-k", "2", "--no-rebuild", config=real_index)
    assert "None: nothing in the bank covers this question" in out.stdout


def test_ask_stdin_batch_one_json_per_line(real_index):
    out = run(
        "ask", "--json", "-k", "2", "--no-rebuild", stdin="LoRA怎么训练\nWhat is LangChain?\n\n", config=real_index
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["LoRA怎么训练", "What is LangChain?", ""]
    assert lines[0]["results"][0]["question_id"] == "2.6"
    assert lines[2]["results"] == [] and "empty" in lines[2]["notice"]


def test_ask_empty_question_is_a_clear_error(real_index):
    out = run("ask", "  ", "--no-rebuild", config=real_index)
    assert out.returncode == 2 and "empty" in out.stdout


def test_ask_without_index_and_no_rebuild(tmp_path):
    out = run("--index", str(tmp_path / "none"), "ask", "x", "--no-rebuild")
    assert out.returncode == 1 and "rag index" in out.stderr


def test_index_json_summary_is_last_line(tmp_path):
    (tmp_path / "rag.yaml").write_text(f"corpus: {REPO_CORPUS}\nindex: idx\nembedders: [hash]\n", encoding="utf-8")
    out = run("--config", str(tmp_path / "rag.yaml"), "index", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("chunks_embedded", "chunks_reused", "files_added", "files_changed", "files_removed", "seconds"):
        assert key in report
    assert sorted(report["files_added"]) == sorted(corpus_hashes(REPO_CORPUS))  # answers, sidecars and data files
    assert (tmp_path / "idx" / "current").exists()


def test_check_ok_and_problems(hash_config):
    answers = len(corpus_files(hash_config.corpus))  # the bank's size, whatever it is now
    assert run("check", config=hash_config).stdout.startswith(f"ok: {answers} answers and a glossary of ")
    write_answer(hash_config.corpus, "2.5", "重复")
    out = run("check", config=hash_config)
    assert out.returncode == 1
    assert "2.5-hallucination.md:2: duplicate id '2.5' (also in 2.5-test.md)" in out.stdout


def test_index_with_bad_corpus_exits_nonzero_and_keeps_index(hash_config):
    common = hash_cli_options(hash_config)
    assert run(*common, "index").returncode == 0
    (hash_config.corpus / "bad.md").write_text('---\nid: "1.9"\nquestion: [oops\n---\n', encoding="utf-8")
    out = run(*common, "index")
    assert out.returncode == 1 and "bad.md:3" in out.stderr and "previous index" in out.stderr
    answered = run(*common, "ask", "幻觉", "--json")
    assert answered.returncode == 0 and json.loads(answered.stdout)["results"]
    assert "bad.md:3" in answered.stderr and "previous index is still in use" in answered.stderr


def test_eval_prints_side_by_side_metrics(real_index, tmp_path):
    eval_file = tmp_path / "mini.yaml"
    eval_file.write_text(
        'queries:\n  - {query: "大模型胡说八道怎么办", expected: "2.5", lang: zh}\n'
        '  - {query: "What is LoRA?", expected: "2.6", lang: en}\n'
        "  - {query: 今天天气怎么样, expected: null, lang: zh}\n",
        encoding="utf-8",
    )
    out = run("eval", str(eval_file), "--no-rebuild", config=real_index)
    assert out.returncode == 0, out.stderr
    for mode in ("hybrid", "bm25", "dense"):  # a row per embedder too, when several are fused
        assert f"\n{mode} " in out.stdout
    assert "rephrasings: 2 (1 zh, 1 en), out of scope: 1" in out.stdout


def test_eval_of_a_section_level_set_and_a_bad_label(real_index, tmp_path):
    eval_file = tmp_path / "sections.yaml"
    eval_file.write_text(
        "queries:\n"
        '  - {query: "Agent 为什么多步任务容易出错", lang: zh, kind: answerable, best: ["2.7#Agent 的主要问题"]}\n'
        "  - {query: 红烧肉怎么做, lang: zh, kind: out_of_domain}\n",
        encoding="utf-8",
    )
    out = run("eval", str(eval_file), "--no-rebuild", config=real_index)
    assert out.returncode == 0, out.stderr
    assert "best@1" in out.stdout and "useful@3" in out.stdout
    assert "answerable: 1 (1 zh, 0 en), uncovered: 0, out of domain: 1" in out.stdout
    eval_file.write_text(
        'queries:\n  - {query: "x", lang: zh, kind: answerable, best: ["2.7#没有这一节"]}\n', encoding="utf-8"
    )
    out = run("eval", str(eval_file), "--no-rebuild", config=real_index)
    assert out.returncode == 1
    assert "query #1 names a section that does not exist: 2.7#参考答案 › 没有这一节" in out.stderr


def test_ask_refreshes_a_stale_index_unless_told_not_to(hash_config):
    common = hash_cli_options(hash_config)
    assert run(*common, "index").returncode == 0
    write_answer(hash_config.corpus, "9.1", "关于独角兽养殖的问题")
    stale = json.loads(run(*common, "ask", "独角兽养殖", "--json", "--no-rebuild").stdout)
    assert "9.1" not in [r["question_id"] for r in stale["results"]]
    refreshed = run(*common, "ask", "独角兽养殖", "--json")
    assert json.loads(refreshed.stdout)["results"][0]["question_id"] == "9.1"
    assert "Refreshing the index" in refreshed.stderr and "files added 1" in refreshed.stderr


def test_unknown_config_field_is_named(tmp_path):
    (tmp_path / "rag.yaml").write_text("embeders: [hash]\n", encoding="utf-8")
    out = run("--config", str(tmp_path / "rag.yaml"), "check")
    assert out.returncode == 1 and "unknown config field 'embeders'" in out.stderr


@pytest.mark.parametrize("command", ["index", "ask", "eval", "check", "serve"])
def test_cli_reference_documents_every_command_and_option(command):
    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"rag {command}" in reference
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    for action in sub._actions:
        for flag in action.option_strings:
            if flag not in ("-h", "--help"):
                assert flag in reference, f"docs/cli.md does not document {command} {flag}"


def test_json_source_paths_are_relative_to_the_corpus(real_index):
    """Probe L8: an absolute --corpus must not put server paths in results."""
    out = run("ask", "LoRA怎么训练", "-k", "2", "--json", "--no-rebuild", config=real_index)
    assert out.returncode == 0, out.stderr
    paths = [r["source"]["path"] for r in json.loads(out.stdout)["results"]]
    assert paths[0] == "part2/2.6-image-models-and-lora.md", paths
    assert not any(p.startswith("/") or str(real_index.corpus) in p for p in paths)


def test_invalid_utf8_in_the_question_is_answered_without_a_traceback(real_index):
    """Probe L3: a 35-line traceback instead of a one-line error or an answer."""
    out = run("ask", os.fsdecode(b"hallu\xffcination"), "-k", "1", "--json", "--no-rebuild", config=real_index)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    data = json.loads(out.stdout)
    assert data["query"] == "hallucination" and data["results"][0]["question_id"] == "2.5"


def test_one_bad_stdin_line_does_not_lose_the_batch(real_index):
    """Probe L3: one invalid UTF-8 line gave 0 output lines for the whole batch."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8:strict"}  # as in en_US.UTF-8
    args = [sys.executable, "-m", "rag", "--corpus", str(real_index.corpus), "--index", str(real_index.index)]
    out = subprocess.run(
        [*args, "ask", "--json", "-k", "1", "--no-rebuild"],
        input=b"hallucination\n\xff\xfe bad\nwhat is lora\n",
        capture_output=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr
    lines = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
    assert [line["query"] for line in lines] == ["hallucination", "bad", "what is lora"]
    assert lines[0]["results"] and lines[2]["results"] and "removed" in lines[1]["notice"]


@pytest.mark.parametrize("k", ["0", "-1"])
def test_ask_refuses_a_k_below_one(k):
    """Probe L10: -k 0 printed nothing and exited 0."""
    out = run("ask", "what is lora", "-k", k, "--no-rebuild")
    assert out.returncode == 2 and "-k" in out.stderr and "at least 1" in out.stderr, out.stderr


def test_check_names_file_and_line_for_an_oversized_file(hash_config):
    (hash_config.corpus / "part1" / "9.9-big.md").write_bytes(b"x" * 600_000)
    out = run("check", config=hash_config)
    assert out.returncode == 1
    assert f"{hash_config.corpus}/part1/9.9-big.md:1: file is 600000 bytes" in out.stdout, out.stdout


def test_a_part_the_bank_does_not_have_is_refused_naming_the_parts(hash_config):
    common = hash_cli_options(hash_config)
    assert run(*common, "index").returncode == 0
    parts = ", ".join(str(n) for n in sorted({d.part_number for d in load_corpus(hash_config.corpus)}))
    out = run(*common, "ask", "幻觉", "--part", "7", "--no-rebuild")
    assert out.returncode == 2 and f"--part: part must be one of the bank's parts ({parts}), got 7" in out.stderr
    assert run(*common, "ask", "幻觉", "--part", "3", "--no-rebuild", "--json").returncode == 0
