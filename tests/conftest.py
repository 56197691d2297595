"""Shared fixtures: temp copies of the corpus, configs pointing at temp index folders."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

import rag.service
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
    """The real corpus indexed once with the default embedders, from the vectors shipped in vectors/ (as a fresh
    clone's first build; tests/test_seed.py checks they still cover the bank)."""
    root = tmp_path_factory.mktemp("real")
    config = load_config(corpus=REPO_CORPUS, index=root / "index", seed_vectors=REPO / "vectors")
    build_index(config)
    return config


@pytest.fixture(scope="session")
def real_searcher(real_index):
    return open_searcher(real_index, refresh=False)


# --- Web UI fixtures (tests/test_ui_api.py, tests/test_ui_browser.py) ---


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ui_server(request, tmp_path_factory, real_index):
    """The web UI served in-process on a free port over a private corpus copy, one per test module.

    The copy starts from a copy of the session's real index, so nothing is re-embedded at start.
    A module may set ``UI_PASSWORD`` to protect rebuilding. Yields a namespace with ``url``,
    ``finder``, ``config`` and ``password``; the server is closed afterwards.
    """
    from dataclasses import replace
    from types import SimpleNamespace

    from rag import AnswerFinder
    from ui.app import build_app, launch

    root = tmp_path_factory.mktemp("ui")
    shutil.copytree(REPO_CORPUS, root / "corpus")
    shutil.copytree(real_index.index, root / "index", symlinks=True)
    config = replace(real_index, corpus=root / "corpus", index=root / "index")
    finder = AnswerFinder(config)
    password = getattr(request.module, "UI_PASSWORD", None)
    demo = build_app(finder, password)
    launch(demo, "127.0.0.1", free_port(), block=False)
    try:
        yield SimpleNamespace(url=demo.local_url, finder=finder, config=config, password=password)
    finally:
        demo.close()


# --- Practice fixtures (tests/test_practice_*.py) ---


@pytest.fixture(scope="session")
def practice_vectors(tmp_path_factory) -> Path:
    """A practice-vectors folder holding the real bank's e5-small sentence vectors, embedded once per session."""
    from rag.practice import Practice

    root = tmp_path_factory.mktemp("practice-data")
    Practice(load_config(corpus=REPO_CORPUS, index=root / "no-index", data_dir=root)).scorer()
    return root / "practice-vectors"


@pytest.fixture
def e5_practice(tmp_path, practice_vectors):
    """Practice over the real corpus with e5-small and a private, empty history."""
    from rag.practice import Practice

    data = tmp_path / "data"
    shutil.copytree(practice_vectors, data / "practice-vectors")
    return Practice(load_config(corpus=REPO_CORPUS, index=tmp_path / "index", data_dir=data))


@pytest.fixture
def hash_practice(corpus_copy, tmp_path):
    """Practice with the model-free hash embedder over a corpus copy: for plumbing, not meaning."""
    from rag.practice import Practice

    return Practice(load_config(corpus=corpus_copy, index=tmp_path / "index", data_dir=tmp_path / "data",
                                embedders=["hash"]))


@pytest.fixture
def held_build(monkeypatch):
    """Make the next builds block until ``release`` is set; ``entered`` is set when one starts."""
    entered, release = threading.Event(), threading.Event()
    real = rag.service.build_index

    def slow_build(*args, **kwargs):
        entered.set()
        release.wait(120)
        return real(*args, **kwargs)

    monkeypatch.setattr(rag.service, "build_index", slow_build)
    yield entered, release
    release.set()
