"""Shared fixtures: temp copies of the corpus, configs pointing at temp index folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag import Config, build_index, load_config, open_searcher

REPO = Path(__file__).resolve().parent.parent
REPO_CORPUS = REPO / "corpus"


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    """Every test runs in its own folder, so a stray rag.yaml or index/ never leaks in."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the real corpus that a test may edit."""
    target = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, target)
    return target


@pytest.fixture
def hash_config(corpus_copy, tmp_path) -> Config:
    """Config with the instant model-free embedder, for plumbing tests."""
    return load_config(corpus=corpus_copy, index=tmp_path / "index", embedders=["hash"])


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Config:
    """The real corpus indexed once with the default embedders (about 25 s on 2 cores)."""
    root = tmp_path_factory.mktemp("real")
    config = load_config(corpus=REPO_CORPUS, index=root / "index")
    build_index(config)
    return config


@pytest.fixture(scope="session")
def real_searcher(real_index):
    return open_searcher(real_index, refresh=False)
