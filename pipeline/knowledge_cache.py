"""The validated knowledge bundle kept on disk, so a run does not parse and validate its files again.

Reading and validating the twenty-odd knowledge files is quick, but it needs pydantic to build
the core schema of every model, which costs more than the reading (about 0.1 s of every run,
before the first document worker starts). The models defer that build (``defer_build``) to their
first validation; a bundle unpickled from the index is never validated again, so a run that finds
its index builds no schema at all. The files stay the source of truth: the index is keyed by the
bytes of every file the bundle is read from (the officer's copy where there is one, else the
packaged one), the folder, the code and the versions of Python and pydantic (:mod:`pipeline.disk_index`), and is only ever a
copy of what :func:`load_knowledge_bundle` validated from exactly those bytes. A broken file is
never indexed: it raises as it always did.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path

from normalizers.knowledge import KnowledgeBundle, knowledge_dir, knowledge_file_paths, load_knowledge_bundle
from pipeline.disk_index import cache_folder, index_path, read_index, write_index


def _files_digest(directory: Path) -> bytes:
    """The pydantic version and every knowledge file's name, path and bytes, as one SHA-256."""
    digest = hashlib.sha256(importlib.metadata.version("pydantic").encode())
    for name, path in knowledge_file_paths(directory).items():
        digest.update(f"\0{name}\0{path.resolve()}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0unreadable")  # load_knowledge_bundle says why
    return digest.digest()


def load_knowledge_indexed(data_dir: Path | None = None, folder: Path | None = None) -> KnowledgeBundle:
    """:func:`load_knowledge_bundle` of `data_dir` (None: $DTI_KNOWLEDGE_DIR, else the packaged files),
    from the index where it is current. Raises KnowledgeError as that does."""
    directory = knowledge_dir(data_dir)
    folder = folder if folder is not None else cache_folder()
    path = index_path(folder, "knowledge", directory, _files_digest(directory))
    bundle = read_index(path, KnowledgeBundle)
    if bundle is None:
        bundle = load_knowledge_bundle(data_dir)
        write_index(path, bundle)
    return bundle
