"""Configuration: defaults, YAML file, overrides, clear errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import ConfigError, load_config
from tests.conftest import REPO


def test_defaults_without_a_file():
    config = load_config()
    assert config.corpus == Path("corpus") and config.embedders == ("e5-small",)
    assert 1 <= config.cpu_threads <= 2 or config.cpu_threads <= config.threads


def test_project_config_file_is_valid():
    config = load_config(REPO / "rag.yaml")
    assert config.corpus == REPO / "corpus" and config.index == REPO / "index"


def test_file_paths_are_relative_to_the_file_and_overrides_win(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yaml").write_text("corpus: answers\nfetch_k: 7\n", encoding="utf-8")
    config = load_config(tmp_path / "sub" / "c.yaml", fetch_k=9, index=None)
    assert config.corpus == tmp_path / "sub" / "answers" and config.fetch_k == 9


@pytest.mark.parametrize(
    ("text", "field"),
    [("fetch_k: many\n", "fetch_k"), ("fusion: max\n", "fusion"), ("embedders: []\n", "embedders"), ("x: 1\n", "x")],
)
def test_bad_values_name_the_field(tmp_path, text, field):
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"'{field}'"):
        load_config(tmp_path / "c.yaml")


def test_missing_config_file():
    with pytest.raises(ConfigError, match="not found"):
        load_config("nope.yaml")
