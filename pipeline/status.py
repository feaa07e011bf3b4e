"""What is in raw/ versus what the last published run saw: new, changed, removed, quarantined."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.discovery import Skipped, check_raw_folder, survey
from pipeline.publish import read_run_json


@dataclass
class FolderStatus:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    published: bool = False

    @property
    def up_to_date(self) -> bool:
        return self.published and not (self.new or self.changed or self.removed)


def folder_status(raw: Path, curated: Path) -> FolderStatus:
    """Raises RawFolderError for a missing or unreadable raw/: that is not "every file removed"."""
    check_raw_folder(raw)
    last = read_run_json(curated) if curated.exists() else None
    status = FolderStatus(published=last is not None)
    seen = {f["file_name"]: f for f in (last or {}).get("files", [])}
    errors = {q["file_name"]: q["error"] for q in (last or {}).get("quarantined", [])}
    current, status.skipped = survey(raw)
    for f in current:
        before = seen.get(f.file_name)
        if before is None:
            status.new.append(f.file_name)
        elif before["sha256"] != f.sha256:
            status.changed.append(f.file_name)
        else:
            status.unchanged.append(f.file_name)
            if f.file_name in errors:
                status.quarantined.append((f.file_name, errors[f.file_name]))
    names = {f.file_name for f in current}
    status.removed = sorted(n for n in seen if n not in names)
    return status
