"""Interview-prep answer finder: hybrid search over prepared AIGC interview answers.

Typical use::

    from rag import load_config, open_searcher
    searcher = open_searcher(load_config())
    response = searcher.search("how do you handle hallucinations?")
    print(response.confident, response.results[0].question_id)
"""

import os

# OpenMP workers (faiss, the e5 engine) busy-wait after each parallel region by default and then
# steal the CPU from the next model's BLAS threads: on 2 cores that tripled query latency. Passive
# waiting alone puts them to sleep between the e5 engine's per-layer regions, and waking them doubled
# its query time (13 -> 26 ms): a short spin (GOMP_SPINCOUNT, about a tenth of a millisecond) keeps the
# workers awake within one encode and asleep between queries, so an idle server still uses no CPU.
# Must be set before faiss loads libgomp; an explicit setting in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "30000")
# OpenBLAS (numpy's products: every query against the 419 question wordings and the not-covered list) has a
# thread pool of its own that spins after each product and fights the e5 engine's workers for the 2 cores:
# with the wordings scored exactly, a query on the 50k-chunk benchmark index took 122 ms, 40 ms single-threaded.
# A server gets its parallelism from concurrent requests, so one BLAS thread (must be set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .bank.corpus import Document, check_corpus, load_corpus
from .config import Config, load_config  # noqa: E402
from .errors import ConfigError, CorpusError, CorpusProblem, EmbedderError, IndexNotFound, RagError, RebuildRunning
from .index.indexer import BuildReport, build_index
from .search.searcher import Searcher, SearchResponse, SearchResult, Source
from .service import AnswerFinder, IndexStatus, index_status, open_searcher

__all__ = [
    "AnswerFinder",
    "BuildReport",
    "Config",
    "ConfigError",
    "CorpusError",
    "CorpusProblem",
    "Document",
    "EmbedderError",
    "IndexNotFound",
    "IndexStatus",
    "RagError",
    "RebuildRunning",
    "SearchResponse",
    "SearchResult",
    "Searcher",
    "Source",
    "build_index",
    "check_corpus",
    "index_status",
    "load_config",
    "load_corpus",
    "open_searcher",
]
