"""The documentation is checked against the code, in the manner of sqlite-utils' tests/test_docs.py:
every column of every curated schema is in CONTRACT.md with its type, every issue code the code
can raise is documented, and every `dti` command appears in the README with its options."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from pipeline.cli import cli
from schemas.contract_doc import CONTRACT_PATH, documented_columns
from schemas.curated import TABLES

REPO = Path(__file__).resolve().parents[1]
CONTRACT = CONTRACT_PATH.read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCUMENTED = documented_columns(CONTRACT)
_TYPE_WORDS = {"string": "string", "int16": "int16", "float64": "float64", "bool": "bool", "date": "date", "list": "list of string"}


def _commands(group: click.Group, prefix: tuple[str, ...] = ("dti",)):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), command


def _issue_codes_in_code() -> set[str]:
    patterns = [
        re.compile(r'\bIssue\(\s*[^,()]+,\s*"([a-z_]+)"'),  # Issue(doc_id, "code", ...)
        re.compile(r'\bWeeklyIssue\(\s*"([a-z_]+)"'),
        re.compile(r'out\.append\(\(\s*"([a-z_]+)",'),  # weekly cell doubts: (code, message)
    ]
    codes: set[str] = set()
    for package in ("extractors", "normalizers", "schemas", "pipeline"):
        for path in (REPO / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in patterns:
                codes |= set(pattern.findall(text))
    return codes


def _documented_issue_codes() -> set[str]:
    section = CONTRACT.split("### Issue codes", 1)[1].split("\n## ", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\|\s*([a-z_]+)\s*\|", section, re.M)} - {"code"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_column_is_documented_with_its_type(table):
    assert table in DOCUMENTED, f"CONTRACT.md has no '## {table}.parquet' section"
    for col in TABLES[table]:
        assert col.name in DOCUMENTED[table], f"{table}.{col.name} is not documented in CONTRACT.md"
        kind, meaning = DOCUMENTED[table][col.name]
        assert meaning, f"{table}.{col.name} is listed in CONTRACT.md without a meaning"
        words = [w.strip() for w in kind.split(",")]
        assert words and words[0] == _TYPE_WORDS[col.kind], f"{table}.{col.name}: CONTRACT.md says {kind!r}, the schema {col.kind}"
        assert ("null" in words) == col.nullable, f"{table}.{col.name}: nullability differs ({kind!r} vs nullable={col.nullable})"
    extra = set(DOCUMENTED[table]) - {c.name for c in TABLES[table]}
    assert not extra, f"CONTRACT.md documents {table} columns the schema does not have: {sorted(extra)}"


def test_every_issue_code_is_documented():
    used = _issue_codes_in_code()
    assert {"component_sum_mismatch", "unresolved_unit", "table_skipped", "secondary_source"} <= used  # the scan finds them
    missing = used - _documented_issue_codes()
    assert not missing, f"issue codes raised in code but not in CONTRACT.md: {sorted(missing)}"


def test_contract_cites_no_missing_changelog():
    assert "## Changes" in CONTRACT
    assert re.search(r"^- \*\*" + re.escape(__import__("schemas.curated", fromlist=["x"]).CONTRACT_VERSION) + r"\*\*", CONTRACT, re.M)


@pytest.mark.parametrize("path,command", list(_commands(cli)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_is_in_the_readme_with_its_options(path, command):
    lines = [line for line in README.splitlines() if re.search(re.escape(path) + r"(\s|$)", line)]
    assert lines, f"README.md never shows `{path}`"
    shown = "\n".join(lines)
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert any(opt in shown for opt in param.opts), f"README.md shows `{path}` without its option {param.opts[-1]}"


@pytest.mark.parametrize("path,command", list(_commands(cli)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help(path, command):
    assert command.help, f"`{path}` has no help text"
