"""CONTRACT.md read as data: the documented columns of each curated file, with type and meaning.

Each published version carries CONTRACT.md and `contract.json` (this parse joined with the
schemas of `schemas/curated.py`), so a reader holding only `curated/` knows what it holds.
"""

from __future__ import annotations

import re
from pathlib import Path

from schemas.curated import CONTRACT_VERSION, TABLES

CONTRACT_PATH = Path(__file__).resolve().parents[1] / "CONTRACT.md"
_HEADING = re.compile(r"^##\s+`?([a-z_]+)\.(?:parquet|duckdb)`?")


def documented_columns(text: str) -> dict[str, dict[str, tuple[str, str]]]:
    """{file stem: {column: (type, meaning)}} from every `## <name>.parquet` section's table.

    A row naming several columns ("doc_id, group_code") documents each of them.
    """
    out: dict[str, dict[str, tuple[str, str]]] = {}
    table: str | None = None
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            table = heading.group(1)
            out.setdefault(table, {})
            continue
        if line.startswith("#"):
            table = None
            continue
        if table is None or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("column", "") or set(cells[0]) <= {"-"}:
            continue
        for name in cells[0].split(","):
            out[table][name.strip().strip("`")] = (cells[1], cells[2])
    return out


def contract_text() -> str:
    return CONTRACT_PATH.read_text(encoding="utf-8")


def contract_json() -> dict:
    """The machine-readable contract: every schema column with its type, nullability and meaning."""
    docs = documented_columns(contract_text())
    return {
        "contract_version": CONTRACT_VERSION,
        "tables": {
            name: [
                {
                    "name": c.name,
                    "type": c.kind,
                    "nullable": c.nullable,
                    "meaning": docs.get(name, {}).get(c.name, ("", ""))[1],
                }
                for c in cols
            ]
            for name, cols in TABLES.items()
        },
    }
