"""The per-user index of what a run builds from knowledge files: the unit registry and the knowledge bundle.

Each entry is a pickle of what was built (and validated) from exactly the bytes it is keyed by,
together with the code that read them and the Python version, so it is only ever a copy of a
fresh build; a changed file, new code or a damaged entry means a rebuild. The folder is
``$DTI_CACHE_DIR``, else ``$XDG_CACHE_HOME/dti``, else ``~/.cache/dti``, not beside ``curated/``:
an entry depends only on its files, so a new working folder reuses it. A folder that cannot be
written only means nothing is kept.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import TypeVar

from pipeline.fingerprint import code_fingerprint

_KEEP = (
    8  # entries of each kind kept (different registries or knowledge folders: a test session, several working folders)
)
T = TypeVar("T")


def cache_folder() -> Path:
    """Where the index is kept for this user."""
    if os.environ.get("DTI_CACHE_DIR"):
        return Path(os.environ["DTI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dti"


def index_path(folder: Path, kind: str, directory: Path, content: bytes) -> Path:
    """The entry of `kind` built from `directory` whose files hash to `content`, under this code and Python."""
    digest = hashlib.sha256(content)
    digest.update(f"\0{code_fingerprint()}\0{sys.version}\0{directory.resolve()}".encode())
    return folder / f"{kind}-{digest.hexdigest()[:32]}.pkl"


def read_index(path: Path, kind: type[T]) -> T | None:
    """The `kind` object pickled at `path`, or None where there is none or it is damaged or stale."""
    enabled = gc.isenabled()
    gc.disable()  # tens of thousands of small objects: the cyclic collector would triple the time
    try:
        with open(path, "rb") as fh:
            built = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    finally:
        if enabled:
            gc.enable()
    return built if isinstance(built, kind) else None


def write_index(path: Path, built: object) -> None:
    """`built` pickled at `path`, keeping the newest few entries of its kind (the name's prefix)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        prefix = path.name.split("-", 1)[0]
        kept = sorted(path.parent.glob(f"{prefix}-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, AttributeError, TypeError):  # unwritable, or a part pickle cannot hold
        pass  # nothing kept this time; the next run builds again
