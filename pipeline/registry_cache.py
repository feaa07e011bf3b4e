"""The built unit registry kept on disk, so a run does not rebuild ~5,000 units it built before.

Building the registry (every province's catalogue units and districts, their match keys and
the checks between them) costs most of a second; unpickling what an earlier build made costs a
tenth of that. The YAML files stay the source of truth: the index is keyed by the bytes of every
file the registry is read from, the code that reads them and the versions of Python and
`vietnamadminunits`, and is only ever a copy of what :meth:`Registry.load` built (and validated)
from exactly those bytes. A changed file, a new code version or a damaged index means a rebuild.

The index lives in a per-user cache folder (``$DTI_CACHE_DIR``, else ``$XDG_CACHE_HOME/dti``,
else ``~/.cache/dti``), not beside ``curated/``: it depends only on the registry's content, so a
new working folder reuses it. A folder that cannot be written only means no index is kept.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.metadata
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from normalizers.unit_files import DATA_DIR, registry_digest
from normalizers.units import Registry
from pipeline.fingerprint import code_fingerprint

_KEEP = 8  # indexes of different registries (or knowledge folders) kept: a test session, several working folders
T = TypeVar("T")
_ADMIN_PACKAGE = "vietnamadminunits"


def cache_folder() -> Path:
    """Where the registry index is kept for this user."""
    if os.environ.get("DTI_CACHE_DIR"):
        return Path(os.environ["DTI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dti"


def registry_fingerprint(directory: Path | None) -> str:
    """What :meth:`Registry.fingerprint` returns, computed from the files without building the registry.

    The same SHA-256 over the files (names and bytes) and the `vietnamadminunits` version;
    the version is read from the package's metadata instead of from its loaded map.
    """
    directory = Path(directory) if directory is not None else DATA_DIR
    return registry_digest(directory, importlib.metadata.version(_ADMIN_PACKAGE))


def _index_key(directory: Path, files_fingerprint: str) -> str:
    digest = hashlib.sha256(files_fingerprint.encode())
    digest.update(f"\0{code_fingerprint()}\0{sys.version}\0{directory.resolve()}".encode())
    return digest.hexdigest()[:32]


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


def write_index(folder: Path, path: Path, built: object) -> None:
    """`built` pickled at `path` in `folder`, keeping the newest few of its kind (same name prefix)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        prefix = path.name.split("-", 1)[0]
        kept = sorted(folder.glob(f"{prefix}-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, AttributeError, TypeError):  # unwritable, or a part pickle cannot hold
        pass  # no index this time; the next run builds again


def load_registry_indexed(
    directory: Path | None = None,
    folder: Path | None = None,
    build: Callable[[Path | None], Registry] | None = None,
) -> Registry:
    """:meth:`Registry.load` of `directory` (None: the packaged defaults), from the index where it is current.

    `build` makes the registry when the index has none (default :meth:`Registry.load`; ``dti run``
    passes the knowledge module's checked loader, so files are shape-checked only when they changed).
    Raises what `build` raises: a broken file has no index (it never built).
    """
    build = build or Registry.load
    read_only = directory is None
    where = Path(directory) if directory is not None else DATA_DIR
    if not (where / "units").is_dir():
        return build(directory)  # its error message
    folder = folder if folder is not None else cache_folder()
    path = folder / f"registry-{_index_key(where, registry_fingerprint(where))}.pkl"
    registry = read_index(path, Registry)
    if registry is None:
        registry = build(directory)
        write_index(folder, path, registry)
        return registry
    registry.directory, registry.read_only, registry._cache = where, read_only, {}
    return registry
