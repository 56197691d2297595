"""Vectors shipped with the project, so that a first build does not embed the whole bank again.

``vectors/<embedder>.npz`` holds, for one embedder version, the vector of every text the last
``rag index --save-seed`` embedded (chunks and not-covered questions), keyed by a hash of the
embedder id and the text. A build takes a vector from it only for exactly that text and embedder
version, so a stale or foreign file costs nothing but the embedding it cannot save; ``--full``
ignores it. The file is plain arrays (no pickle).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

SEED_SUFFIX = ".npz"


def seed_key(embedder_id: str, text: str) -> str:
    """The key of ``text``'s vector from embedder ``embedder_id`` (a hex digest, 32 characters)."""
    return hashlib.sha256(f"{embedder_id}\x1f{text}".encode()).hexdigest()[:32]


def shipped_vector(seed: dict[str, np.ndarray], embedder_id: str, text: str) -> np.ndarray | None:
    """The vector shipped for ``text`` by embedder ``embedder_id`` (in ``seed``, from ``load_seed``), else None."""
    return seed.get(seed_key(embedder_id, text))


def seed_file(folder: Path, embedder_name: str) -> Path:
    return Path(folder) / f"{embedder_name}{SEED_SUFFIX}"


def load_seed(folder: Path, embedder_name: str, embedder_id: str) -> dict[str, np.ndarray]:
    """The shipped vectors of this embedder version by key; empty when there is no usable file."""
    path = seed_file(folder, embedder_name)
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["embedder_id"]) != embedder_id:
                return {}
            keys, vectors = data["keys"], data["vectors"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # missing, broken or not ours: embed
        return {}
    if vectors.ndim != 2 or len(keys) != len(vectors):
        return {}
    return dict(zip(keys.tolist(), vectors.astype(np.float32)))


def write_seed(folder: Path, embedder_name: str, embedder_id: str, texts: list[str], vectors: np.ndarray) -> Path:
    """Write the vectors of ``texts`` (one row each; repeated texts once) for this embedder, atomically."""
    rows = dict(zip((seed_key(embedder_id, t) for t in texts), np.asarray(vectors, np.float32)))
    keys = sorted(rows)
    path = seed_file(folder, embedder_name)
    write_npz(
        path,
        compressed=True,
        shared=True,  # shipped with the project
        embedder_id=np.array(embedder_id),
        keys=np.array(keys, dtype="U32"),
        vectors=np.vstack([rows[k] for k in keys]) if keys else np.zeros((0, 0), np.float32),
    )
    return path


def write_npz(path: Path, compressed: bool = False, shared: bool = False, **arrays: np.ndarray) -> None:
    """Write ``arrays`` to ``path`` (.npz, no pickle) through a file beside it that is swapped in, so a crash
    never leaves half a file. ``shared`` makes it readable by everyone; otherwise it stays private."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=SEED_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            (np.savez_compressed if compressed else np.savez)(out, **arrays)
        if shared:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
