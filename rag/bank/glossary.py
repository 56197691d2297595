"""The bank's glossary: groups of words that mean the same thing, used to widen a query's keywords.

The answers are Chinese; a question may be English ("hallucination") or colloquial ("胡说八道").
``corpus/glossary.yaml`` lists synonym groups; when a query says one term of a group, the keyword
search also looks for the others, so an English query reaches the Chinese sections that use the
bank's own word. Format and rules: docs/corpus-format.md ("Glossary").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import yaml

from ..errors import CorpusProblem
from ..text.tokenize import CJK, tokenize, word_stems

GLOSSARY_FILE = "glossary.yaml"
# libyaml's loader when PyYAML has it: the pure-Python one took 0.2 s for the 3,000 terms, twice a build.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RECENT_QUERIES = 8


@dataclass(frozen=True)
class _Term:
    group: int
    text: str  # lower-cased
    tokens: tuple[str, ...]  # keyword-index terms (stopwords dropped)
    words: tuple[str, ...]  # every word, stemmed: an English term is matched as this run of the query's words


class Glossary:
    """Synonym groups, each a list of terms; the first term of a group is the bank's own word."""

    def __init__(self, groups: list[list[str]]):
        self.groups = [list(group) for group in groups]
        self._by_group = [
            [_Term(g, term.lower(), tuple(tokenize(term)), tuple(word_stems(term))) for term in group]
            for g, group in enumerate(self.groups)
        ]
        self._terms = [term for terms in self._by_group for term in terms]
        # Terms by their first character (Chinese) or first keyword (English), so that matching a query
        # looks only at terms that can start where it is: 3,000 terms cost 3 ms a query scanned one by one.
        self._chinese_at: dict[str, list[int]] = {}
        self._english_at: dict[str, list[int]] = {}
        for i, term in enumerate(self._terms):
            if CJK.search(term.text):
                self._chinese_at.setdefault(term.text[0], []).append(i)
            elif term.tokens:  # a term of stopwords only ("can", "what if") is never matched
                self._english_at.setdefault(term.words[0], []).append(i)
        self._recent: OrderedDict[tuple[str, tuple[str, ...]], list[_Term]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.groups)

    def _said(self, query: str, tokens: list[str]) -> list[_Term]:
        """The terms the query says, in glossary order: a Chinese term as a substring, an English one
        as a run of the query's words (stemmed, so "hallucinates" matches "hallucination").
        The last few queries' answers are kept: a search asks several times."""
        key = (query, tuple(tokens))
        cached = self._recent.get(key)
        if cached is not None:
            return cached
        lowered = query.lower()
        found = {i for at, ch in enumerate(lowered) for i in self._chinese_at.get(ch, ()) if
                 lowered.startswith(self._terms[i].text, at)}
        words = word_stems(query)
        found |= {i for at, word in enumerate(words) for i in self._english_at.get(word, ()) if
                  tuple(words[at : at + len(self._terms[i].words)]) == self._terms[i].words}
        said = [self._terms[i] for i in sorted(found)]
        with self._lock:  # searches run on several server threads
            self._recent[key] = said
            while len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return said

    def matched_groups(self, query: str, tokens: list[str] | None = None) -> list[int]:
        """Groups one of whose terms the query says, in glossary order."""
        tokens = tokenize(query) if tokens is None else tokens
        return sorted({t.group for t in self._said(query, tokens)})

    def known_tokens(self, query: str, tokens: list[str]) -> set[str]:
        """The query's keyword terms that belong to a glossary term it says."""
        said = {token for term in self._said(query, tokens) for token in term.tokens}
        return said & set(tokens)

    def expand(self, query: str, tokens: list[str] | None = None) -> list[str]:
        """Keyword terms of the matched groups' other words that the query does not already have.

        An English phrase of several words only serves to recognise a query ("make things up"):
        its words alone are too common to search for.
        """
        tokens = tokenize(query) if tokens is None else tokens
        have = set(tokens)
        extra: list[str] = []
        for group in self.matched_groups(query, tokens):
            for term in self._by_group[group]:
                if len(term.tokens) == 1 or CJK.search(term.text):
                    fresh = [t for t in term.tokens if t not in have]
                    have.update(fresh)
                    extra.extend(fresh)
        return extra

    def bank_terms(self, query: str, only: set[int] | None = None, tokens: list[str] | None = None) -> list[str]:
        """The bank's own word (first term) of each matched group (of ``only``, if given) not in the query."""
        lowered = query.lower()
        matched = [g for g in self.matched_groups(query, tokens) if only is None or g in only]
        return [self.groups[g][0] for g in matched if self.groups[g][0].lower() not in lowered]

    def specific_groups(self, answers: list[str], max_share: float) -> set[int]:
        """Groups whose bank word occurs in at most ``max_share`` of the ``answers`` (texts, one per answer).

        A word most answers use (产品经理) says little about which section is meant.
        """
        lowered = [text.lower() for text in answers]
        limit = max_share * len(lowered)
        return {g for g, group in enumerate(self.groups) if sum(group[0].lower() in t for t in lowered) <= limit}


def annotate(glossary: Glossary, query: str, only: set[int] | None = None) -> str:
    """The text to embed for a query: an English query gets the bank's Chinese words for what it says
    (from the groups ``only``, if given) appended in brackets, since the embedder maps English
    questions to Chinese text less well; a query with Chinese in it is returned as it is."""
    if CJK.search(query):
        return query
    terms = glossary.bank_terms(query, only)
    return f"{query} （{'，'.join(terms)}）" if terms else query


def _group_lines(text: str) -> list[int]:
    """1-based line of each item of the top-level ``groups`` list (empty when the YAML has no such list)."""
    try:
        root = yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        return []
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "groups" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def parse_glossary(text: str, path: str = GLOSSARY_FILE) -> tuple[Glossary, list[CorpusProblem]]:
    """Read a glossary; every problem names the file and line. Bad groups are left out."""
    try:
        data = yaml.load(text, Loader=FAST_LOADER) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return Glossary([]), [CorpusProblem(path, mark.line + 1 if mark else 0, f"invalid YAML: {exc}")]
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        return Glossary([]), [CorpusProblem(path, 1, "expected a top-level 'groups:' list of synonym groups")]
    lines = _group_lines(text)
    problems: list[CorpusProblem] = []
    kept: list[list[str]] = []
    seen: dict[str, int] = {}
    for i, group in enumerate(groups):
        line = lines[i] if i < len(lines) else 0
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(t, str) and t.strip() for t in group):
            problems.append(CorpusProblem(path, line, "a group must be a list of at least two non-empty terms"))
            continue
        terms = [t.strip() for t in group]
        lowered = [t.lower() for t in terms]
        if len(set(lowered)) < len(lowered):
            twice = next(t for t in terms if lowered.count(t.lower()) > 1)
            problems.append(CorpusProblem(path, line, f"'{twice}' appears twice in this group"))
            continue
        clashes = [t for t in terms if t.lower() in seen]
        if clashes:
            first = seen[clashes[0].lower()]
            problems.append(CorpusProblem(path, line, f"'{clashes[0]}' is already in the group on line {first}"))
            continue
        seen.update((t.lower(), line) for t in terms)
        kept.append(terms)
    return Glossary(kept), problems
