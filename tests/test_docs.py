"""The README and docs/ as a newcomer reads them: short, linked, and true to the code they describe.

No index, no model: links and anchors are checked against the files, CLI options against
``rag.cli.main.build_parser()`` and configuration defaults against ``rag.config.Config``.
"""

from __future__ import annotations

import argparse
import math
import re
import unicodedata
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
import yaml

from rag.cli.main import build_parser
from rag.config import Config
from tests.conftest import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
README_MAX_LINES = 150

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
CODE_SPAN = re.compile(r"`([^`]+)`")
# [text](target "title") and ![alt](target); the text may hold one level of brackets
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto: …
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
COMMAND_NAME = re.compile(r"\brag((?:\s+\[[^\]]*\])*)\s+([a-z][a-z-]*)")


def _lines_outside_code(text: str):
    """(line number, line) of every line that is not inside a fenced code block."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def _kept_in_slugs(category: str) -> bool:
    """Letters, marks, digits and connector punctuation (_) stay in a GitHub anchor."""
    return category[0] in "LMN" or category == "Pc"


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: formatting dropped, lowercase, punctuation other than - and _
    removed (letters of every script, CJK included, are kept), each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link or image: its text
    text = text.replace("`", "").replace("*", "").strip().lower()
    kept = "".join(c for c in text if c in " -" or _kept_in_slugs(unicodedata.category(c)))
    return kept.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a Markdown page's headings, with GitHub's -1, -2 … for repeated ones."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in _lines_outside_code(text):
        match = HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def link_targets(text: str):
    """(line number, target) of every link and image in a page, code spans and code blocks left out."""
    for number, line in _lines_outside_code(text):
        definition = LINK_DEFINITION.match(line)
        if definition:
            yield number, definition.group(1)
            continue
        for match in LINK.finditer(CODE_SPAN.sub("code", line)):
            yield number, match.group(1)


def broken_links(page: Path) -> list[str]:
    """Every relative link of ``page`` to a missing file, or to an anchor its target does not have."""
    problems = []
    for number, target in link_targets(page.read_text(encoding="utf-8")):
        if EXTERNAL.match(target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(REPO) if page.is_relative_to(REPO) else page.name}:{number}"
        if not file.exists():
            problems.append(f"{where}: {target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
            problems.append(f"{where}: {target}: no heading with the anchor #{anchor} in {file.name}")
    return problems


def test_readme_reads_in_five_minutes():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines (at most {README_MAX_LINES})"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_and_anchors_resolve(page):
    assert broken_links(page) == []


def test_every_docs_page_is_one_click_from_the_readme():
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for _, target in link_targets(README.read_text(encoding="utf-8"))
        if not EXTERNAL.match(target)
    }
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]
    assert missing == [], f"docs pages the README does not link: {missing}"


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Set-up (fresh machine)", "set-up-fresh-machine"),
        ("Interviewers' wording", "interviewers-wording"),
        ("Asked questions (`<stem>.asked.yaml`)", "asked-questions-stemaskedyaml"),
        ("Published interview questions (issue 16)", "published-interview-questions-issue-16"),
        ("History: before issue 16", "history-before-issue-16"),
        ("考核点", "考核点"),
        ("The `rag` command", "the-rag-command"),
    ],
)
def test_github_slug(heading, slug):
    assert github_slug(heading) == slug


def test_the_link_check_finds_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Real heading\n\n```\n## Not a heading\n```\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "[ok](other.md#real-heading) [gone](missing.md) [no anchor](other.md#not-a-heading)\n"
        "`[in code](missing.md)` [web](https://example.org/x.md) [here](#page)\n\n# Page\n",
        encoding="utf-8",
    )
    problems = broken_links(page)
    assert len(problems) == 2, problems
    assert "missing.md: no such file" in problems[0] and "#not-a-heading" in problems[1]


# --- docs/cli.md against the parser ---------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """The options a parser's --help lists."""
    return {flag for action in parser._actions for flag in action.option_strings}


def undocumented_options(text: str, parser: argparse.ArgumentParser) -> list[str]:
    """Options quoted in a CLI page that the parser does not have.

    In a line (or table row) naming ``rag <command>``, an option in backticks must be one of that
    command's (or a global one); on a ``$ … rag <command> …`` line of a console example, every option of
    the line must. An option on a line naming no command must be one of some command's.
    """
    commands = _subcommands(parser)
    global_options = _options(parser)
    any_option = global_options.union(*(_options(p) for p in commands.values()))
    problems = []
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced and not line.lstrip().startswith("$ "):
            continue
        named = [m.group(2) for m in COMMAND_NAME.finditer(line) if m.group(2) in commands]
        if fenced and not named:
            continue
        quoted = [line] if fenced else CODE_SPAN.findall(line)
        tokens = [token for span in quoted for token in OPTION.findall(span)]
        allowed = global_options.union(*(_options(commands[name]) for name in named)) if named else any_option
        for token in tokens:
            if token not in allowed:
                owner = " / ".join(f"rag {name}" for name in named) or "any rag command"
                problems.append(f"docs/cli.md:{number}: {token} is not an option of {owner}")
    return problems


def test_every_option_quoted_in_the_cli_page_exists():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert undocumented_options(text, build_parser()) == []


def test_the_option_check_finds_an_option_of_the_wrong_command():
    text = (
        "| `rag ask QUESTION [--json] [--strict]` | … |\n"
        "`rag check --strict` validates; `--frobnicate` does nothing\n"
        "```console\n$ rag index --full --explain\n$ echo --not-an-option\n```\n"
    )
    problems = undocumented_options(text, build_parser())
    assert problems == [
        "docs/cli.md:1: --strict is not an option of rag ask",
        "docs/cli.md:2: --frobnicate is not an option of rag check",
        "docs/cli.md:4: --explain is not an option of rag index",
    ]


def test_the_cli_page_names_every_command_and_option():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    for name, sub in _subcommands(parser).items():
        assert re.search(rf"\brag {re.escape(name)}(?![\w-])", text), f"docs/cli.md never names rag {name}"
        for flag in _options(sub) - {"-h", "--help"}:
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text), f"docs/cli.md lacks rag {name} {flag}"
    for flag in _options(parser) - {"-h", "--help"}:
        assert flag in text, f"docs/cli.md lacks the global option {flag}"


# --- docs/configuration.md against Config ---------------------------------------------------------


def _split_values(cell: str) -> list[str]:
    """``\\`rrf\\`, 60, [a, b]`` → ``["rrf", "60", "[a, b]"]``: commas inside backticks or brackets stay."""
    values, current, depth, in_code = [], "", 0, False
    for char in cell:
        if char == "`":
            in_code = not in_code
        elif char in "[{" and not in_code:
            depth += 1
        elif char in "]}" and not in_code:
            depth -= 1
        if char == "," and depth == 0 and not in_code:
            values.append(current)
            current = ""
        else:
            current += char
    values.append(current)
    return [v.strip().strip("`").strip() for v in values if v.strip()]


def config_table(text: str) -> list[tuple[int, list[str], list[str]]]:
    """(line, keys, default values) of each row of the first table whose first column names keys."""
    rows = []
    for number, line in _lines_outside_code(text):
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        keys = CODE_SPAN.findall(cells[0])
        if keys and len(cells) >= 2:
            rows.append((number, keys, _split_values(cells[1])))
    return rows


def _default(field) -> object:
    return field.default_factory() if field.default is MISSING else field.default


def _same(documented: str, default: object) -> bool:
    """Whether the text of the table's default column says the dataclass default."""
    try:
        value = yaml.safe_load(documented)
    except yaml.YAMLError:
        value = documented
    if isinstance(default, Path):
        return str(value) == str(default)
    if isinstance(default, tuple):
        return (value if isinstance(value, list) else [value]) == list(default)
    if isinstance(default, bool):
        return value is default
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isclose(value, default)
    return ("" if value is None else str(value)) == default


def stale_config_rows(text: str) -> list[str]:
    """Keys that are not Config fields, fields the table lacks, and defaults that differ from Config's."""
    config_fields = {f.name: f for f in fields(Config)}
    problems, documented = [], set()
    for number, keys, values in config_table(text):
        if len(values) == 1 and len(keys) > 1:
            values = values * len(keys)
        if len(values) != len(keys):
            problems.append(f"configuration.md:{number}: {len(keys)} keys but {len(values)} defaults {values}")
            continue
        for key, value in zip(keys, values):
            documented.add(key)
            if key not in config_fields:
                problems.append(f"configuration.md:{number}: `{key}` is not a field of rag.config.Config")
            elif not _same(value, _default(config_fields[key])):
                default = _default(config_fields[key])
                problems.append(f"configuration.md:{number}: `{key}` default is {default!r}, the table says {value}")
    missing = sorted(config_fields.keys() - documented)
    problems += [f"configuration.md: Config.{name} is not documented" for name in missing]
    return problems


def test_the_configuration_table_matches_config():
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert len(config_table(text)) >= 10
    assert stale_config_rows(text) == []


def test_the_configuration_check_finds_stale_rows():
    stale = Config.match_threshold + 0.5
    text = (
        "| field | default | meaning |\n|---|---|---|\n"
        "| `corpus`, `index` | `corpus`, `index` | folders |\n"
        f"| `match_threshold`, `bm25_weight` | {stale}, {Config.bm25_weight} | stale threshold |\n"
        "| `glossary_dense` | `false` | wrong boolean |\n"
        "| `no_such_field` | 1 | gone |\n"
        "| `embedders` | `[e5-small]` | list |\n"
    )
    problems = stale_config_rows(text)
    assert problems[:3] == [
        f"configuration.md:4: `match_threshold` default is {Config.match_threshold!r}, the table says {stale}",
        "configuration.md:5: `glossary_dense` default is True, the table says false",
        "configuration.md:6: `no_such_field` is not a field of rag.config.Config",
    ]
    assert "configuration.md: Config.threads is not documented" in problems
    assert not any("bm25_weight" in p or "embedders" in p or "`corpus`" in p for p in problems)
