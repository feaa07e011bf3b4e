"""The check that keeps a run from publishing a version that silently loses documents.

An empty or half-copied raw/ (an unmounted share, a mistyped path, a sync that stopped
half-way) looks to a run like "these documents were removed". Publishing that would
replace good data with less data and exit 0; instead the run refuses unless told the
shrink is deliberate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.publish import read_run_json
from pipeline.run_settings import DEFAULT_MAX_SHRINK

if TYPE_CHECKING:
    import pandas as pd


class ShrinkRefusedError(RuntimeError):
    """The new version would drop more of the current version's documents than allowed."""


@dataclass(frozen=True)
class Held:
    file_name: str
    sha256: str


def held_documents(curated: Path) -> list[Held]:
    """The documents whose rows the current version publishes (status ok)."""
    if not curated.exists():
        return []
    run = read_run_json(curated)
    if run is not None and isinstance(run.get("files"), list):
        return [Held(f["file_name"], f["sha256"]) for f in run["files"] if f.get("status") == "ok"]
    import pandas as pd  # only for a version without run.json; `dti run` imports this module early

    try:  # a version without run.json (a folder adopted as the first version)
        docs = pd.read_parquet(curated / "documents.parquet", columns=["file_name", "sha256", "status"])
    except (OSError, ValueError, KeyError):
        return []
    return [Held(r.file_name, r.sha256) for r in docs.itertuples() if r.status == "ok"]


def lost_documents(held: list[Held], documents: pd.DataFrame) -> list[Held]:
    """Held documents the new version has no ok reading of, by name or by content.

    A renamed file (same bytes) or an edited one (same name) is not lost; a deleted file, or
    one that now fails to process, is.
    """
    ok = documents[documents["status"] == "ok"]
    names, hashes = set(ok["file_name"]), set(ok["sha256"])
    return [h for h in held if h.file_name not in names and h.sha256 not in hashes]


def shrink_problem(held: list[Held], documents: pd.DataFrame, max_shrink: float = DEFAULT_MAX_SHRINK) -> str | None:
    """One line saying why the new version must not replace the current one, or None."""
    if not held:
        return None
    lost = lost_documents(held, documents)
    share = len(lost) / len(held)
    if not lost or (len(lost) < len(held) and share <= max_shrink):
        return None
    shown = ", ".join(h.file_name for h in lost[:3]) + (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
    limit = "all of them" if len(lost) == len(held) else f"more than the allowed {max_shrink:.0%}"
    return (
        f"{len(lost)} of the {len(held)} documents the current version holds would be lost ({limit}: {shown}); "
        "check that raw/ is complete, or pass --allow-shrink to publish the smaller set"
    )
