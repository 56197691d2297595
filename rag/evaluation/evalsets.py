"""Labelled query sets: question-level (rephrasings of the bank's questions) and section-level (unexpected ones)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..bank.outline import ANSWER_HEADING, PATH_SEPARATOR
from ..errors import ConfigError

# Question-level sets label a query with the question id that answers it (null: out of scope).
REPHRASING = "rephrasing"
OUT_OF_SCOPE = "out_of_scope"
# Section-level sets label a query with sections, "<id>#<### title under 参考答案>" or "<id>#考核点".
ANSWERABLE = "answerable"
UNCOVERED = "uncovered"
OUT_OF_DOMAIN = "out_of_domain"
SECTION_KINDS = (ANSWERABLE, UNCOVERED, OUT_OF_DOMAIN)
NOT_COVERED = (OUT_OF_SCOPE, UNCOVERED, OUT_OF_DOMAIN)

SectionLabel = tuple[str, str]  # (question id, section heading path as in chunks)


@dataclass(frozen=True)
class LabelledQuery:
    """A query with what should answer it.

    ``expected`` is the answering question id for rephrasings; ``best`` and ``related`` are
    the sections that best answer / partly help an unexpected question.
    """

    query: str
    lang: str
    kind: str
    expected: str | None = None
    best: tuple[SectionLabel, ...] = ()
    related: tuple[SectionLabel, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.kind not in NOT_COVERED


def section_path(title: str) -> str:
    """The chunk section path a label's title names: 考核点 and 两分钟口述版 as they are, others under 参考答案."""
    if title in ("考核点", "两分钟口述版") or title.startswith(ANSWER_HEADING):
        return title
    return f"{ANSWER_HEADING}{PATH_SEPARATOR}{title}"


def _labels(path: Path, n: int, entry: dict, name: str) -> tuple[SectionLabel, ...]:
    values = entry.get(name) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and "#" in v for v in values):
        raise ConfigError(f"{path}: query #{n} '{name}' must be a list of \"<id>#<section title>\" labels")
    return tuple((qid.strip(), section_path(title.strip())) for qid, title in (v.split("#", 1) for v in values))


def _entry(path: Path, n: int, entry: object) -> LabelledQuery:
    if not isinstance(entry, dict) or not isinstance(entry.get("query"), str):
        raise ConfigError(f"{path}: query #{n} needs a 'query' string")
    lang = str(entry.get("lang", "zh"))
    if "kind" not in entry:
        expected = entry.get("expected")
        if expected is not None and not isinstance(expected, str):
            raise ConfigError(f"{path}: query #{n} 'expected' must be a quoted id like \"2.5\" or null")
        return LabelledQuery(entry["query"], lang, REPHRASING if expected else OUT_OF_SCOPE, expected)
    kind = entry["kind"]
    if kind not in SECTION_KINDS:
        raise ConfigError(f"{path}: query #{n} 'kind' must be one of {', '.join(SECTION_KINDS)}, got {kind!r}")
    best, related = _labels(path, n, entry, "best"), _labels(path, n, entry, "related")
    if (kind == ANSWERABLE) != bool(best):
        raise ConfigError(f"{path}: query #{n} needs 'best' sections exactly when its kind is {ANSWERABLE}")
    return LabelledQuery(entry["query"], lang, kind, None, best, related)


def load_eval_set(path: Path, known_sections: set[SectionLabel] | None = None) -> list[LabelledQuery]:
    """Read ``queries:`` from a YAML eval set, naming the entry of any error.

    Args:
        path: the YAML file.
        known_sections: when given, every section label must be one of these.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read eval set {path}: {exc}") from exc
    entries = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a non-empty list under 'queries'")
    queries = [_entry(path, n, entry) for n, entry in enumerate(entries, start=1)]
    if known_sections is not None:
        for n, item in enumerate(queries, start=1):
            for qid, section in item.best + item.related:
                if (qid, section) not in known_sections:
                    raise ConfigError(f"{path}: query #{n} names a section that does not exist: {qid}#{section}")
    return queries
