"""What a run is told and what it answers: default limits, folders and exit statuses.

Plain constants with no imports, so the command line can show its options (`dti -h`) and
map outcomes to exit statuses without loading the pipeline.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_TIMEOUT_S = 600
DEFAULT_MEMORY_MB = 3072
DEFAULT_MAX_SHRINK = 0.5  # largest share of the current version's documents a run may drop
DEFAULT_WORKERS = os.cpu_count() or 1
DEFAULT_REGISTRY = Path("registry")
DEFAULT_REVIEWS = Path("reviews")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BROKEN_KNOWLEDGE = 1  # a knowledge file (normalizers/data, the registry) breaks its schema: nothing was done
EXIT_USAGE = 2
EXIT_QUARANTINED = 3
EXIT_ACTION_NEEDED = 3  # status / units review: something for an officer to act on
EXIT_LOCKED = 4
EXIT_REFUSED = 5
EXIT_INTERRUPTED = 130
