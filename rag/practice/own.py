"""Questions of your own: practise a question the bank has no prepared answer for.

A question the finder calls ``related`` borrows its key points from the sections it returned for it:
those that pass the verdict's related bar on their own (``VerdictRule.helps``), up to ``MAX_POINTS``,
in ranked order. Each point is a key point of a bank answer, labelled with that answer's id and linked
to its lines. A follow-up (a bank section question, asked in a mock round) borrows its own section
first. Own questions are stored in the practice history with the sections they use, and their points
are looked up in the bank as it is when they are practised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..bank.outline import ANSWER_HEADING, PATH_SEPARATOR, ROLE_ANSWER
from ..search.searcher import SearchResponse
from ..search.verdict import VerdictRule
from .errors import PracticeInputError
from .keypoints import Reference

OWN_PREFIX = "own-"
MAX_POINTS = 4  # a two-minute answer makes three or four points
SEARCHED_SECTIONS = 6  # results looked at for a question of your own (at most MAX_POINTS pass the related bar)
FOLLOW_UP_POINTS = 3
SEARCH = "search"
FOLLOW_UP = "follow-up"
SectionRef = tuple[str, str]  # (bank question id, key point title)


@dataclass(frozen=True)
class OwnQuestion:
    """A question practised with borrowed key points. ``id`` is ``own-N`` once stored, "" before."""

    id: str
    question: str
    origin: str  # SEARCH (from a search result) or FOLLOW_UP (a bank section question in a mock round)
    sections: tuple[SectionRef, ...]
    created_at: str = ""


def is_own_id(question_id: str) -> bool:
    return question_id.startswith(OWN_PREFIX) and question_id[len(OWN_PREFIX):].isdigit()


def own_id(number: int) -> str:
    return f"{OWN_PREFIX}{number}"


def key_point_title(section: str) -> str | None:
    """The key point a result's section is (``参考答案 › X`` → ``X``); None for any other section."""
    top, _, rest = section.partition(PATH_SEPARATOR)
    return rest.split(PATH_SEPARATOR)[0] if top == ANSWER_HEADING and rest else None


def helping_sections(response: SearchResponse, rule: VerdictRule, limit: int = MAX_POINTS) -> tuple[SectionRef, ...]:
    """The answer sections of a response that pass the related bar on their own, best first."""
    kept: list[SectionRef] = []
    for result in response.results:
        title = key_point_title(result.section)
        if result.role != ROLE_ANSWER or title is None or not rule.helps(response.signals, result.score):
            continue
        if (result.question_id, title) not in kept:
            kept.append((result.question_id, title))
        if len(kept) == limit:
            break
    return tuple(kept)


def follow_up_sections(
    section: SectionRef, response: SearchResponse | None, rule: VerdictRule
) -> tuple[SectionRef, ...]:
    """A follow-up's own section, then the other sections the finder says help with it."""
    others = helping_sections(response, rule, FOLLOW_UP_POINTS + 1) if response is not None else ()
    return (section, *[s for s in others if s != section])[:FOLLOW_UP_POINTS]


def own_reference(own: OwnQuestion, references: dict[str, Reference], strict: bool = True) -> Reference:
    """The reference of an own question: the bank key points it names, as the bank has them now.

    Raises:
        PracticeInputError: none of its sections is in the bank any more (only when ``strict``).
    """
    points = []
    for qid, title in own.sections:
        reference = references.get(qid)
        found = [i for i, p in enumerate(reference.key_points) if p.title == title] if reference else []
        if found:
            point = reference.key_points[found[0]]
            points.append(replace(point, title=f"{qid} {title}", source_id=qid, source_index=found[0],
                                  path=reference.path))
    if strict and not points:
        names = "; ".join(f"{qid} {title}" for qid, title in own.sections)
        raise PracticeInputError(
            f"question {own.id or own.question!r}: the bank no longer has the sections it was built from ({names}); "
            "remove it, or search it again to practise it with today's sections"
        )
    return Reference(
        question_id=own.id,
        question=own.question,
        part=0,
        path="",
        url="",
        key_points=tuple(points),
        rubric=(),
        spoken=(),
        spoken_line=0,
        own=True,
    )
