"""The ``rag practice`` and ``rag eval-practice`` commands (added to the ``rag`` parser by ``add_commands``)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from pathlib import Path

from ..config import Config
from ..practice import Feedback, Practice, PracticeInputError, Reference, Submission
from ..practice.own import SEARCHED_SECTIONS

MARKS = {"covered": "✓ covered", "partly": "~ partly ", "missed": "✗ missed "}
TWO_MINUTES = 120


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _clip(text: str, width: int = 90) -> str:
    return textwrap.shorten(" ".join(text.split()), width, placeholder="…")


def _delivery_lines(feedback: Feedback) -> list[str]:
    d = feedback.delivery
    pace = "about right for two minutes" if 75 <= d.speaking_seconds <= 150 else (
        "short: aim for about two minutes" if d.speaking_seconds < 75 else "long: aim for about two minutes"
    )
    fillers = ", ".join(f"{word} ×{n}" for word, n in d.fillers.items()) or "none"
    return [
        f"  length:   {_count(d.characters, 'Chinese character')}, {_count(d.words, 'English word')}; "
        f"about {_duration(d.speaking_seconds)} aloud ({pace})",
        f"  fillers:  {fillers}",
        f"  opening:  {'direct answer' if d.opens_directly else 'not a direct answer'}: “{_clip(d.opening, 70)}”",
        f"  closing:  {'a stance' if d.closes_with_stance else 'no closing stance'}: “{_clip(d.closing, 70)}”",
        f"  numbers:  {', '.join(d.numbers) if d.numbers else 'none (one or two figures make an answer concrete)'}",
    ]


def format_feedback(submission: Submission, corpus: Path) -> str:
    """The feedback as the terminal shows it."""
    feedback = submission.feedback
    lines = [f"Coverage 覆盖率 {feedback.coverage}/100 · next review 下次复习 {submission.due[:10]}"]
    if feedback.notice:
        lines.insert(0, feedback.notice)
    lines.append("Key points 关键点:")
    for point in feedback.points:
        star = " ★" if point.in_spoken else ""
        lines.append(f"  {MARKS[point.status]}  {point.title}{star}")
        if point.status == "missed":
            lines.append(f"      see:  {corpus / point.path}:{point.start_line}-{point.end_line}")
            lines.append(f"      say:  {_clip(point.reference_sentence)}")
        else:
            lines.append(f"      you:  {_clip(point.answer_sentence)}")
            lines.append(f"      ref:  {_clip(point.reference_sentence)}")
    lines.append("Delivery 表达:")
    lines += _delivery_lines(feedback)
    return "\n".join(lines)


REASONS = {
    "due": "due for review", "new": "not practised yet", "soonest": "due soonest", "chosen": "chosen",
    "follow-up": "a follow-up",
}


def _show_question(reference: Reference, why: str, out) -> None:
    reason = REASONS[why]
    if reference.own:
        sources = ", ".join(dict.fromkeys(p.source_id for p in reference.key_points))
        print(
            f"Your question {reference.question_id or '(follow-up)'} ({reason}): no prepared answer; its key points "
            f"come from sections of the bank's answers {sources}. 题库没有这道题的答案，关键点取自相关章节。\n"
            f"{reference.question}",
            file=out,
        )
        return
    print(f"Question {reference.question_id} (part {reference.part}, {reason}):\n{reference.question}", file=out)


def _from_search(config: Config, practice: Practice, question: str) -> Reference:
    """The reference for ``--ask``: searched first, then the bank's question or one of your own."""
    from ..service import open_searcher

    searcher = open_searcher(config)
    response = searcher.search(question, k=SEARCHED_SECTIONS)
    return practice.from_search(response, searcher.verdict_rule)


def cmd_practice(config: Config, args: argparse.Namespace) -> int:
    """Practise a question: print it, read your answer from stdin until EOF, print feedback and save it."""
    practice = Practice(config)
    if args.forget:
        count = practice.forget()
        print(f"Deleted {count} attempt{'s' if count != 1 else ''} and every review date from {practice.history_file}")
        return 0
    if args.remove:
        try:
            count = practice.remove(args.remove)
        except PracticeInputError as exc:
            print(f"rag practice: {exc}", file=sys.stderr)
            return 2
        print(f"Removed your question {args.remove} and its {_count(count, 'attempt')} from {practice.history_file}")
        return 0
    try:
        if args.ask is not None:
            reference, why = _from_search(config, practice, args.ask), "chosen"
        else:
            reference, why = practice.pick(args.question, args.part)
    except PracticeInputError as exc:
        print(f"rag practice: {exc}", file=sys.stderr)
        return 2
    _show_question(reference, why, sys.stderr if args.json else sys.stdout)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Answer in Chinese or English; end with Ctrl-D on an empty line. 回答后按 Ctrl-D 结束。", file=sys.stderr)
    start = time.monotonic()
    # Bytes that are not UTF-8 become lone surrogates, which the answer cleaner removes with a notice.
    answer = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    seconds = time.monotonic() - start if interactive else None
    try:
        submission = practice.submit(reference.question_id, answer, seconds)
    except PracticeInputError as exc:
        print(f"rag practice: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(submission.to_dict(), ensure_ascii=False))
    else:
        print(format_feedback(submission, config.corpus))
        print(f"Saved as attempt #{submission.attempt.id} in {practice.history_file}")
    return 0


def cmd_eval_practice(config: Config, args: argparse.Namespace) -> int:
    """Print how well practice scoring agrees with labelled answers (pair order, key point agreement), per file."""
    from ..practice.bank import practice_embedder_name
    from ..practice.evaluate import calibrate, format_metrics, load_practice_set, measure, point_scores, splits_of

    practice = Practice(config)
    scorer = practice.scorer()
    sets = {file: load_practice_set(Path(file), scorer.references) for file in args.files}
    scores = {file: point_scores(scorer, cases) for file, cases in sets.items()}
    thresholds = practice.thresholds
    if args.calibrate:
        thresholds = calibrate([c for cases in sets.values() for c in cases], [s for v in scores.values() for s in v])
    source = "calibrated on the tune half" if args.calibrate else "from the configuration"
    print(
        f"embedder: {practice_embedder_name(config)}; thresholds ({source}): "
        f"partly {thresholds.partly}, covered {thresholds.covered} (z units)"
    )
    for file, cases in sets.items():
        print(f"\n== {file}")
        print(format_metrics([measure(cases, scores[file], thresholds, split) for split in splits_of(cases)]))
    print(
        "\npair order: strong > partial > weak by coverage, per question; covered/missed: points labelled covered or "
        "missed that the scorer marks the same; mentioned/missed: covered-or-partly vs missed on every point; "
        "3-way: covered / partly / missed exactly"
    )
    if args.calibrate:
        print(
            f"calibrated: practice_partly_threshold {thresholds.partly}, "
            f"practice_covered_threshold {thresholds.covered}"
        )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``practice`` and ``eval-practice`` to the ``rag`` command's subparsers."""
    p = sub.add_parser("practice", help=cmd_practice.__doc__, description=cmd_practice.__doc__)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--question", metavar="ID", help="practise this question (e.g. 2.5)")
    which.add_argument("--part", type=int, metavar="P", help="the next due question of this part (1, 2, 3, …)")
    which.add_argument("--next", action="store_true", help="the next due question (the default)")
    which.add_argument(
        "--ask", metavar="QUESTION",
        help="practise any question: the bank's if it is one, else key points from the sections that help",
    )
    which.add_argument("--remove", metavar="ID", help="delete one of your own questions (own-N) and its attempts")
    which.add_argument("--forget", action="store_true", help="delete the whole practice history and schedule")
    p.add_argument("--json", action="store_true", help="print the feedback as one JSON object (question on stderr)")
    p.set_defaults(func=cmd_practice)

    p = sub.add_parser("eval-practice", help=cmd_eval_practice.__doc__, description=cmd_eval_practice.__doc__)
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="YAML files of labelled practice answers (e.g. eval/practice.yaml)"
    )
    p.add_argument(
        "--calibrate", action="store_true", help="choose the thresholds on the tune questions of the files and use them"
    )
    p.set_defaults(func=cmd_eval_practice)
