"""How interviewers ask: the questions kept beside an answer file, per sub-section (``<stem>.asked.yaml``).

Front matter holds 2–4 ``section_questions`` per sub-section; interviewers word a question in many more
ways (scenario first, behavioural, English, one-line keywords, "作为AI产品经理…"). A sidecar file holds
those, so the bank is findable by them without a long front matter. They are indexed like section
questions. Format: docs/corpus-format.md ("Asked questions").
"""

from __future__ import annotations

import yaml

from ..errors import CorpusProblem
from .glossary import FAST_LOADER
from .outline import ANSWER_HEADING

ASKED_SUFFIX = ".asked.yaml"
MAX_ASKED_CHARS = 300


def asked_path(answer_path: str) -> str:
    """The sidecar's path for an answer file's path (``part2/2.5-x.md`` → ``part2/2.5-x.asked.yaml``)."""
    return answer_path.removesuffix(".md") + ASKED_SUFFIX


def _key_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level key."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in root.value}


def is_question_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(q, str) and q.strip() for q in value)


def parse_asked(
    text: str, rel: str, subsections: dict[str, int]
) -> tuple[dict[str, tuple[str, ...]], list[CorpusProblem]]:
    """Read a sidecar: each key a ``###`` title under 参考答案 (``subsections``), each value its questions."""
    try:
        data = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 - the C loader of SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        return {}, [CorpusProblem(rel, mark.line + 1 if mark else 1, f"invalid YAML: {getattr(exc, 'problem', exc)}")]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [CorpusProblem(rel, 1, "must map '### ' sub-section titles to lists of questions")]
    lines = _key_lines(text)
    result: dict[str, tuple[str, ...]] = {}
    problems: list[CorpusProblem] = []
    for title, questions in data.items():
        line = lines.get(str(title), 1)
        if str(title) not in subsections:
            choices = "; ".join(subsections) or "none"
            message = f"no '### {title}' under '## {ANSWER_HEADING}' (sub-sections: {choices})"
            problems.append(CorpusProblem(rel, line, message))
        elif not is_question_list(questions):
            problems.append(CorpusProblem(rel, line, f"'{title}' must have a list of non-empty questions"))
        elif too_long := [q for q in questions if len(q.strip()) > MAX_ASKED_CHARS]:
            problems.append(CorpusProblem(rel, line, f"'{title}': a question over {MAX_ASKED_CHARS} characters: "
                                                     f"{too_long[0][:40]}…"))
        else:
            result[str(title)] = tuple(dict.fromkeys(q.strip() for q in questions))
    return result, problems
