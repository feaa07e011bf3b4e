"""The built unit registry kept on disk, so a run does not rebuild ~5,000 units it built before.

Building the registry (every province's catalogue units and districts, their match keys and
the checks between them) costs most of a second; unpickling what an earlier build made costs a
tenth of that. The YAML files stay the source of truth: the index is keyed by the bytes of every
file the registry is read from, the code that reads them and the versions of Python and
`vietnamadminunits`, and is only ever a copy of what :meth:`Registry.load` built (and validated)
from exactly those bytes. A changed file, a new code version or a damaged index means a rebuild.

The index is kept in the per-user folder of :mod:`pipeline.disk_index`.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from pathlib import Path

from normalizers.unit_files import DATA_DIR, registry_digest
from normalizers.units import Registry
from pipeline.disk_index import cache_folder, index_path, read_index, write_index

_ADMIN_PACKAGE = "vietnamadminunits"


def registry_fingerprint(directory: Path | None) -> str:
    """What :meth:`Registry.fingerprint` returns, computed from the files without building the registry.

    The same SHA-256 over the files (names and bytes) and the `vietnamadminunits` version;
    the version is read from the package's metadata instead of from its loaded map.
    """
    directory = Path(directory) if directory is not None else DATA_DIR
    return registry_digest(directory, importlib.metadata.version(_ADMIN_PACKAGE))


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
    path = index_path(folder, "registry", where, registry_fingerprint(where).encode())
    registry = read_index(path, Registry)
    if registry is None:
        registry = build(directory)
        write_index(path, registry)
        return registry
    registry.directory, registry.read_only, registry._cache = where, read_only, {}
    return registry
