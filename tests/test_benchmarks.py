"""The benchmark scripts are not run in CI (they print figures and take minutes), so at least
check that each one still imports against the current library API."""

import importlib

import pytest

BENCHMARKS = [
    "benchmarks.common",
    "benchmarks.search",
    "benchmarks.embedders",
    "benchmarks.encode",
    "benchmarks.load",
    "benchmarks.idle",
    "benchmarks.practice",
]


@pytest.mark.parametrize("module", BENCHMARKS)
def test_benchmark_module_imports(module: str) -> None:
    loaded = importlib.import_module(module)
    assert callable(getattr(loaded, "main", None)) or module == "benchmarks.common"
