"""Every labelled set in eval/ still fits the bank: a renamed heading or a removed section breaks its labels."""

from __future__ import annotations

import pytest

from rag.bank.corpus import load_corpus
from rag.evaluation.evalsets import load_eval_set
from rag.practice.evaluate import load_practice_set
from rag.practice.keypoints import reference_of
from tests.conftest import REPO, REPO_CORPUS

SETS = sorted((REPO / "eval").glob("*.yaml"))


def test_there_are_retrieval_and_practice_sets():
    assert any(p.name.startswith("practice") for p in SETS) and any(p.name.startswith("real-") for p in SETS)


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_label_names_a_section_or_key_point_of_the_bank(path, real_searcher):
    if path.name.startswith("practice"):
        references = {doc.id: reference_of(doc) for doc in load_corpus(REPO_CORPUS)}
        assert load_practice_set(path, references)
    else:
        known = {(c.question_id, c.section) for c in real_searcher.chunks}
        assert load_eval_set(path, known)
