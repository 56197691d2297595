"""The few exceptions the library raises; the CLI and UI turn them into one-line messages."""

from __future__ import annotations

from dataclasses import dataclass


class RagError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class CorpusProblem:
    """One problem in one corpus file, located by path and 1-based line (0 when unknown)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class CorpusError(RagError):
    """The corpus has problems; nothing was built. Carries every problem found."""

    def __init__(self, problems: list[CorpusProblem]):
        self.problems = problems
        n = len(problems)
        head = f"{n} corpus problem{'s' if n != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))


class ConfigError(RagError):
    """The configuration file or an option is invalid; names the field."""


class IndexNotFound(RagError):
    """No usable index exists at the configured path."""


class EmbedderError(RagError):
    """An embedding backend cannot be loaded or used (names the package to install)."""


class RebuildRunning(RagError):
    """A rebuild was asked for while another one is running; it was refused at once, not queued."""


class RebuildFailed(RagError):
    """A rebuild failed on an operating-system error (an unwritable index folder, a full disk); the old index serves."""
