"""Section ranking on hand-made retriever scores (no index, no model)."""

from __future__ import annotations

from rag.index.chunking import Chunk
from rag.search.fusion import reciprocal_rank_fusion
from rag.search.ranking import SectionMap, rank_sections


def _chunk(position: int, section: str, kind: str) -> Chunk:
    return Chunk(f"c{position}", "9.9", "Q", 9, kind, section, "text", "corpus/x.md", 1, 2, "")


# Section A: one wording that happens to come very close; section B: three wordings that all come fairly
# close (neither section's text was fetched).
CHUNKS = [
    _chunk(0, "A", "section"), _chunk(1, "A", "section_question"), _chunk(2, "A", "section_question"),
    _chunk(3, "B", "section"), _chunk(4, "B", "section_question"), _chunk(5, "B", "section_question"),
    _chunk(6, "B", "section_question"),
]
SCORES = {1: 0.93, 2: 0.70, 4: 0.91, 5: 0.90, 6: 0.89}


def _fuse(sides, weights):
    return reciprocal_rank_fusion([sorted(s, key=s.__getitem__, reverse=True) for s in sides], weights)


def _first(votes: int) -> str:
    sections = SectionMap(CHUNKS)
    ranked = rank_sections(sections, [SCORES], [1.0], _fuse, [SCORES], {}, 0.0, 1.0, None, votes)
    return ranked[0].key[1]


def test_one_close_wording_decides_when_a_section_votes_by_its_closest_question():
    assert _first(1) == "A"


def test_a_section_several_wordings_find_outranks_one_a_single_wording_finds():
    assert _first(2) == "B"


def test_a_wording_the_retriever_did_not_fetch_counts_as_its_lowest_score():
    sections = SectionMap(CHUNKS)
    fetched = {0: 0.80, 1: 0.93, 4: 0.91, 5: 0.90, 3: 0.60}  # A's second wording was not fetched
    vote = sections.section_question_vote(fetched, 2)
    assert vote[("9.9", "A")] == (0.93 + 0.60) / 2
    assert vote[("9.9", "B")] == (0.91 + 0.90) / 2
    assert sections.section_question_vote(fetched, 1) == sections.per_section(fetched, "section_question")


def test_a_section_is_ranked_by_the_questions_it_answers_more_than_by_its_text():
    """A's text comes closest, B's interviewer wordings do: with the text's vote at full weight the two tie
    (A first by key); at a small weight B leads."""
    chunks = [_chunk(0, "A", "section"), _chunk(1, "A", "section_question"),
              _chunk(2, "B", "section"), _chunk(3, "B", "section_question")]
    scores = {0: 0.90, 1: 0.80, 2: 0.82, 3: 0.88}
    sections = SectionMap(chunks)

    def first(text_weight: float) -> str:
        ranked = rank_sections(sections, [scores], [1.0], _fuse, [scores], {}, 0.0, 1.0, None, 1, text_weight)
        return ranked[0].key[1]

    assert first(1.0) == "A"
    assert first(0.15) == "B"
