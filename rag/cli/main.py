"""The ``rag`` command: index, ask, eval, check, serve, practice, mock, eval-practice. A thin layer over the library."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import fields as dataclass_fields
from pathlib import Path

from ..config import Config, load_config
from ..errors import ConfigError, CorpusError, RagError

PASSWORD_ENV = "RAG_PASSWORD"
VERDICT_LINES = {
    "match": "Match: a prepared question, or very close to one; its answer comes first. 题库中有这道题（或相近）：",
    "related": "Related: not a prepared question, but these sections help. 题库中没有这道题，以下章节可以参考：",
    "none": "None: nothing in the bank covers this question; nearest sections below. "
    "题库没有覆盖这个问题，以下是最接近的章节：",
}


def _progress_printer() -> Callable[[float, str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        sys.stderr.write(f"\r\033[K[{fraction:4.0%}] {message}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_index(config: Config, args: argparse.Namespace) -> int:
    """Build or refresh the index; only new or changed chunks are embedded."""
    from ..index.indexer import build_index

    report = build_index(config, full=args.full, progress=_progress_printer())
    print(report.summary())
    if args.save_seed:
        from ..index.indexer import save_seed
        from ..practice.bank import PracticeBank

        for path in save_seed(config):
            print(f"vectors for the next first build written to {os.path.relpath(path)}")
        path = PracticeBank(config, config.data_dir).save_seed()  # practice's reference sentences too
        print(f"practice's sentence vectors written to {os.path.relpath(path)}")
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    return 0


def _print_response(response, corpus: Path, width: int = 100) -> None:
    if response.notice:
        print(response.notice)
    if not response.results:
        return
    print(VERDICT_LINES[response.verdict])
    if response.reason:
        print(response.reason)
    if response.glossary:
        print(f"Also searched for (glossary) 同时搜索了：{'、'.join(response.glossary)}")
    for rank, result in enumerate(response.results, start=1):
        print(f"\n[{rank}] {result.question_id} {result.question}  (score {result.score:.2f})")
        print(f"    {result.section}")
        body = result.text if len(result.text) <= 400 else result.text[:400] + "…"
        for line in body.split("\n"):
            print(textwrap.indent(textwrap.fill(line, width - 4) if line else "", "    "))
        src = result.source
        where = f"{(corpus / src.path).as_posix()}:{src.start_line}-{src.end_line}"
        print(f"    source: {where}" + (f"  {src.url}" if src.url else ""))


def cmd_ask(config: Config, args: argparse.Namespace) -> int:
    """Show the prepared answer sections closest to a question."""
    from ..service import open_searcher

    if args.question is None and not args.json:
        print("rag ask: give a QUESTION, or use --json to read questions from standard input", file=sys.stderr)
        return 2
    searcher = open_searcher(config, refresh=not args.no_rebuild)
    try:
        searcher.check_part(args.part)
    except ValueError as exc:
        print(f"rag ask: --part: {exc}", file=sys.stderr)
        return 2
    if args.question is None:
        # Bytes that are not UTF-8 become lone surrogates, which the query cleaner removes with a
        # notice: one bad line is answered like the others instead of stopping the whole batch.
        lines = [line.decode("utf-8", "surrogateescape").rstrip("\r\n") for line in sys.stdin.buffer]
        for response in searcher.search_batch(lines, k=args.k, part=args.part):
            print(json.dumps(response.to_dict(explain=args.explain), ensure_ascii=False), flush=True)
        return 0
    response = searcher.search(args.question, k=args.k, part=args.part)
    if args.json:
        print(json.dumps(response.to_dict(explain=args.explain), ensure_ascii=False))
    else:
        _print_response(response, config.corpus)
        if args.explain and response.results:
            print("\nWhy this verdict 判断依据:\n" + "\n".join(f"  {line}" for line in response.why))
    return 0 if response.results or not response.notice else 2


def cmd_eval(config: Config, args: argparse.Namespace) -> int:
    """Print quality figures for hybrid, BM25-only and dense-only side by side, one table per eval set."""
    from ..evaluation.calibrate import calibrate_verdicts
    from ..evaluation.evalsets import load_eval_set
    from ..evaluation.evaluate import evaluate, format_metrics
    from ..service import open_searcher

    searcher = open_searcher(config, refresh=not args.no_rebuild)
    known = set(searcher.sections.role)
    sets = {file: load_eval_set(Path(file), known) for file in args.files}
    modes = ["hybrid", "bm25", "dense"] + [f"dense:{e.name}" for e in searcher.embedders if len(searcher.embedders) > 1]
    rule = searcher.verdict_rule
    print(
        f"embedders: {', '.join(config.embedders)}; fusion: {config.fusion}; meta_weight: {config.meta_weight}; "
        f"verdict: {rule.describe()}"
    )
    for file, queries in sets.items():
        print(f"\n== {file}")
        print(format_metrics(evaluate(searcher, queries, modes)))
    if args.calibrate:
        best = calibrate_verdicts(searcher, [q for queries in sets.values() for q in queries])
        settings = ", ".join(f"{f.name} {getattr(best.rule, f.name)}" for f in dataclass_fields(best.rule))
        print(
            f"\ncalibrated on {', '.join(sets)}: {settings} (match accuracy {best.match_accuracy:.3f}; "
            f"balanced accuracy of 'none' {best.none_accuracy:.3f})"
        )
    return 0


def cmd_check(config: Config, args: argparse.Namespace) -> int:
    """Validate the corpus: print every problem and warning with its file and line."""
    from ..bank.corpus import check_corpus, read_glossary
    from ..bank.lint import corpus_warnings

    docs, problems = check_corpus(config.corpus, config.max_file_bytes)
    warnings = corpus_warnings(docs)
    for problem, prefix in [(p, "") for p in problems] + [(w, "warning: ") for w in warnings]:
        where = f"{config.corpus / problem.path}:{problem.line}" if problem.line else problem.path
        print(f"{where}: {prefix}{problem.message}")
    if problems:
        print(f"{len(problems)} problem(s), {len(warnings)} warning(s) in {config.corpus}", file=sys.stderr)
        return 1
    if warnings:
        print(f"{len(warnings)} warning(s) in {config.corpus}", file=sys.stderr)
        return 1 if args.strict else 0
    groups = len(read_glossary(config.corpus, config.max_file_bytes).glossary)
    glossary = f" and a glossary of {groups} synonym groups" if groups else ""
    print(f"ok: {len(docs)} answers{glossary} in {config.corpus}")
    return 0


def serve_password(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> str | None:
    """The rebuild password from --password-file, --password or $RAG_PASSWORD (in that order); None if none.

    Raises:
        ConfigError: the file cannot be read, or the password is empty.
    """
    if args.password_file is not None:
        try:
            password = Path(args.password_file).read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--password-file {args.password_file}: cannot be read: {exc}") from exc
        source = f"--password-file {args.password_file}"
    elif args.password is not None:
        print(
            f"rag serve: --password is visible to other users of this machine (ps); prefer {PASSWORD_ENV} "
            "or --password-file",
            file=sys.stderr,
        )
        password, source = args.password, "--password"
    elif PASSWORD_ENV in environ:
        password, source = environ[PASSWORD_ENV], PASSWORD_ENV
    else:
        return None
    if not password:
        raise ConfigError(f"{source}: the rebuild password must not be empty")
    return password


def cmd_serve(config: Config, args: argparse.Namespace) -> int:
    """Serve the web UI and the JSON API (builds or refreshes the index first)."""
    password = serve_password(args)
    try:
        from ui.app import serve
    except ImportError as exc:
        raise RagError(f"the web UI needs gradio (pip install gradio): {exc}") from exc
    serve(
        config,
        host=args.host,
        port=args.port,
        share=args.share,
        watch=args.watch,
        password=password,
        refresh=not args.no_rebuild,
        per_browser={"auto": None, "per-browser": True, "single": False}[args.history],
    )
    return 0


def _at_least_one(text: str) -> int:
    """argparse type of -k: a whole number, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Find prepared answers to AIGC / AI PM interview questions."
    )
    parser.add_argument("--config", help="YAML configuration file (default: ./rag.yaml if present)")
    parser.add_argument("--corpus", help="folder of Markdown answers (overrides the config)")
    parser.add_argument("--index", help="folder of the built index (overrides the config)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help=cmd_index.__doc__, description=cmd_index.__doc__)
    p.add_argument("--full", action="store_true", help="rebuild from scratch, embedding every chunk")
    p.add_argument("--json", action="store_true", help="also print the summary as one JSON object (last line)")
    p.add_argument(
        "--save-seed", action="store_true", help="then write the index's vectors to vectors/ for a first build to take"
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help=cmd_ask.__doc__, description=cmd_ask.__doc__)
    p.add_argument("question", nargs="?", help="the question; with --json and no question, one per stdin line")
    p.add_argument("-k", type=_at_least_one, default=5, help="number of results (default 5)")
    p.add_argument("--part", type=int, metavar="P", help="only answers of this part of the bank (1, 2, 3, …)")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--explain", action="store_true", help="also show the scores the verdict was decided from")
    p.add_argument("--no-rebuild", action="store_true", help="do not refresh the index if the corpus changed")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help=cmd_eval.__doc__, description=cmd_eval.__doc__)
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files of labelled queries (e.g. eval/dev.yaml)")
    p.add_argument(
        "--calibrate", action="store_true", help="also print the verdict thresholds that fit these sets best"
    )
    p.add_argument("--no-rebuild", action="store_true", help="do not refresh the index if the corpus changed")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("check", help=cmd_check.__doc__, description=cmd_check.__doc__)
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--watch", action="store_true", help="refresh the index whenever a corpus file changes")
    p.add_argument("--share", action="store_true", help="also create a public Gradio share link")
    secret = p.add_mutually_exclusive_group()
    secret.add_argument(
        "--password", help=f"password required to rebuild the index (visible in ps: prefer ${PASSWORD_ENV})"
    )
    secret.add_argument("--password-file", help="read the rebuild password from this file (first line)")
    p.add_argument("--no-rebuild", action="store_true", help="do not refresh the index at start")
    p.add_argument(
        "--history", choices=("auto", "per-browser", "single"), default="auto",
        help="practice history: one per browser, or one for everyone (auto: per browser when others can reach "
             "the server, i.e. another --host or --share)",
    )
    p.set_defaults(func=cmd_serve)

    from .mock import add_command as add_mock_command
    from .practice import add_commands as add_practice_commands

    add_practice_commands(sub)
    add_mock_command(sub)
    return parser


def _log_to_stderr() -> None:
    """Show the library's messages (index refreshes, corpus problems) on standard error, once."""
    logger = logging.getLogger("rag")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("rag: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _log_to_stderr()
    try:
        config = load_config(args.config, corpus=args.corpus, index=args.index)
        return args.func(config, args)
    except CorpusError as exc:
        print(f"rag: {exc}", file=sys.stderr)
        print("rag: nothing was built; the previous index (if any) is unchanged", file=sys.stderr)
        return 1
    except RagError as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
