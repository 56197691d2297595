"""Benchmarks that print figures (run them; they assert nothing).

``rag`` is imported first, as the CLI and the server do: it sets the thread settings of OpenMP and OpenBLAS,
which only take effect before numpy and faiss load (``rag/__init__.py``).
"""

import rag  # noqa: F401
