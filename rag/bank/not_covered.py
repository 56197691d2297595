"""Questions the bank does not answer (``corpus/not-covered.yaml``), which the verdict compares a query against.

A question about pricing or overfitting is a little close to many sections and used to be told "these
sections help". Written-down questions the bank does *not* answer give the verdict something to compare
with: a query closer to one of them than to anything the bank prepared is told nothing covers it. The
``on_topic`` topics are also a to-do list for a bank keeper. Format: docs/corpus-format.md ("Not covered").
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from ..errors import CorpusProblem
from .asked import is_question_list
from .glossary import FAST_LOADER

SCOPES = ("on_topic", "off_domain")
MAX_QUESTION_CHARS = 300


@dataclass(frozen=True)
class NotCoveredQuestion:
    """One question the bank does not answer, with its topic and whether the topic is an AI-PM one."""

    topic: str
    scope: str
    text: str


def _topic_lines(text: str) -> list[int]:
    """1-based line of each entry under ``topics``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "topics" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def parse_not_covered(text: str, rel: str) -> tuple[list[NotCoveredQuestion], list[CorpusProblem]]:
    """Read ``topics:``, each with ``name``, ``scope`` (on_topic / off_domain) and ``questions``."""
    try:
        data = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 - the C loader of SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        return [], [CorpusProblem(rel, mark.line + 1 if mark else 1, f"invalid YAML: {getattr(exc, 'problem', exc)}")]
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, list):
        return [], [CorpusProblem(rel, 1, "expected a list under 'topics'")]
    lines = _topic_lines(text)
    found: list[NotCoveredQuestion] = []
    problems: list[CorpusProblem] = []
    for n, topic in enumerate(topics):
        line = lines[n] if n < len(lines) else 1
        if not isinstance(topic, dict) or not isinstance(topic.get("name"), str) or not topic["name"].strip():
            problems.append(CorpusProblem(rel, line, "each topic needs a 'name'"))
            continue
        name = topic["name"].strip()
        if topic.get("scope") not in SCOPES:
            problems.append(CorpusProblem(rel, line, f"topic '{name}': 'scope' must be one of {', '.join(SCOPES)}"))
            continue
        questions = topic.get("questions")
        if not is_question_list(questions):
            problems.append(CorpusProblem(rel, line, f"topic '{name}': 'questions' must be a list of questions"))
            continue
        if any(len(q.strip()) > MAX_QUESTION_CHARS for q in questions):
            message = f"topic '{name}': a question over {MAX_QUESTION_CHARS} characters"
            problems.append(CorpusProblem(rel, line, message))
            continue
        found += [NotCoveredQuestion(name, topic["scope"], q) for q in dict.fromkeys(q.strip() for q in questions)]
    return found, problems
