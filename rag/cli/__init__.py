"""The ``rag`` command line: ``main`` (the console script) and its parser; practice commands in ``practice``."""

from .main import build_parser, main, serve_password

__all__ = ["build_parser", "main", "serve_password"]
