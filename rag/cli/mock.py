"""The ``rag mock`` command: a mock-interview round in the terminal, answers read from stdin."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import Config
from ..practice import Practice, PracticeInputError
from ..practice.mock import DEFAULT_QUESTIONS, MAX_QUESTIONS, MIN_QUESTIONS, plan_round
from ..practice.own import SEARCHED_SECTIONS
from .practice import _show_question

SEPARATOR = "---"


def answers(lines: Iterable[str]) -> Iterator[str]:
    """Answers from lines of text, one per block ended by a line of just ``---`` (or by the end)."""
    block: list[str] = []
    for line in lines:
        if line.strip() == SEPARATOR:
            yield "".join(block)
            block = []
        else:
            block.append(line)
    if "".join(block).strip():
        yield "".join(block)


def _stdin_lines() -> Iterator[str]:
    """Standard input line by line; bytes that are not UTF-8 become lone surrogates, which the answer
    cleaner removes with a notice."""
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", "surrogateescape")


def cmd_mock(config: Config, args: argparse.Namespace) -> int:
    """A mock-interview round: each question is printed, its answer read from stdin up to a line of
    ``---``, scored and saved; then the round's report. Stopping early keeps what was answered."""
    from ..service import open_searcher

    practice = Practice(config)
    searcher = open_searcher(config)
    try:
        mock = plan_round(practice, args.n, args.part, lambda q: searcher.search(q, k=SEARCHED_SECTIONS),
                          searcher.verdict_rule, args.seed)
    except PracticeInputError as exc:
        print(f"rag mock: {exc}", file=sys.stderr)
        return 2
    out = sys.stderr if args.json else sys.stdout
    interactive = sys.stdin.isatty()
    given = answers(_stdin_lines())
    if interactive:
        print(f"Answer each question, then type {SEPARATOR} on a line of its own (Ctrl-D ends the round). "
              f"每题答完另起一行输入 {SEPARATOR}。", file=sys.stderr)
    while (question := mock.current) is not None:
        print(f"\n[{mock.position + 1}/{len(mock.questions)}] ", end="", file=out)
        _show_question(question.reference, question.kind, out)
        start = time.monotonic()
        answer = next(given, None)
        if answer is None:
            print(f"Round stopped after {mock.position} of {len(mock.questions)} questions; answers so far are "
                  "saved.", file=out)
            break
        try:
            submission = mock.answer(answer, time.monotonic() - start if interactive else None)
        except PracticeInputError as exc:
            print(f"rag mock: {exc} (question skipped)", file=sys.stderr)
            mock.skip()
            continue
        missed = ", ".join(submission.feedback.missed) or "none"
        print(f"Coverage 覆盖率 {submission.feedback.coverage}/100 · missed: {missed}", file=out)
    report = mock.report()
    if args.report:
        Path(args.report).write_text(report.to_markdown(config.corpus.name), encoding="utf-8")
        print(f"Report saved to {args.report}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print("\n" + report.to_markdown(config.corpus.name), end="")
    return 0 if report.answered else 2


def add_command(sub: argparse._SubParsersAction) -> None:
    """Add ``mock`` to the ``rag`` command's subparsers."""
    p = sub.add_parser("mock", help=cmd_mock.__doc__.split("\n")[0], description=cmd_mock.__doc__)
    p.add_argument(
        "-n", type=int, default=DEFAULT_QUESTIONS, choices=range(MIN_QUESTIONS, MAX_QUESTIONS + 1), metavar="N",
        help=f"questions in the round ({MIN_QUESTIONS}–{MAX_QUESTIONS}, default {DEFAULT_QUESTIONS})",
    )
    p.add_argument("--part", type=int, metavar="P", help="draw the main questions from this part only")
    p.add_argument("--report", metavar="FILE", help="also save the report as a Markdown file")
    p.add_argument("--seed", type=int, help="draw the same round again (for scripts and tests)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object (questions on stderr)")
    p.set_defaults(func=cmd_mock)
