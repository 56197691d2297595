"""Interview-prep answer finder: hybrid search over prepared AIGC interview answers.

Typical use::

    from rag import load_config, open_searcher
    searcher = open_searcher(load_config())
    response = searcher.search("how do you handle hallucinations?")
    print(response.confident, response.results[0].question_id)
"""

from .config import Config, load_config
from .corpus import Document, check_corpus, load_corpus
from .errors import ConfigError, CorpusError, CorpusProblem, EmbedderError, IndexNotFound, RagError
from .indexer import BuildReport, build_index
from .search import Searcher, SearchResponse, SearchResult, Source
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
