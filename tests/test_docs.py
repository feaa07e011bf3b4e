"""The documentation is checked against the code, in the manner of sqlite-utils' tests/test_docs.py:
every column of every curated schema is in CONTRACT.md with its type, every issue code the code
can raise is documented, and every `dti` command appears in the README with its options."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from pipeline.cli import cli
from schemas.contract_doc import CONTRACT_PATH, documented_columns
from schemas.curated import TABLES
from schemas.issue_codes import IssueCode
from schemas.issues import Issue, issues_frame

REPO = Path(__file__).resolve().parents[1]
CONTRACT = CONTRACT_PATH.read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCUMENTED = documented_columns(CONTRACT)
_TYPE_WORDS = {
    "string": "string",
    "int16": "int16",
    "float64": "float64",
    "bool": "bool",
    "date": "date",
    "list": "list of string",
}


def _commands(group: click.Group, prefix: tuple[str, ...] = ("dti",)):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), command


def _issue_codes_in_code() -> tuple[set[str], set[str]]:
    """(IssueCode member names referenced, code strings written as literals) in the packages' sources.

    A literal is a string given as an issue's code: `Issue(code="...")`, the first argument of
    `WeeklyIssue(...)`, or compared with an issues frame's `code` column.
    """
    names: set[str] = set()
    literals: set[str] = set()
    for package in ("extractors", "normalizers", "schemas", "pipeline"):
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "IssueCode"
                ):
                    names.add(node.attr)
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    if node.func.id == "Issue":
                        literals |= {
                            k.value.value
                            for k in node.keywords
                            if k.arg == "code" and isinstance(k.value, ast.Constant)
                        }
                        if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                            literals.add(node.args[1].value)
                    elif node.func.id == "WeeklyIssue" and node.args and isinstance(node.args[0], ast.Constant):
                        literals.add(node.args[0].value)
                elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Subscript):
                    key = node.left.slice
                    if isinstance(key, ast.Constant) and key.value == "code":
                        literals |= {c.value for c in node.comparators if isinstance(c, ast.Constant)}
    return names, literals


def _documented_issue_codes() -> dict[str, str]:
    """{code: severity cell} of CONTRACT.md's issue-code table."""
    section = CONTRACT.split("### Issue codes", 1)[1].split("\n## ", 1)[0]
    rows = (re.match(r"^\|\s*([a-z_]+)\s*\|\s*([^|]*?)\s*\|", line) for line in section.splitlines())
    return {m.group(1): m.group(2) for m in rows if m and m.group(1) != "code"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_column_is_documented_with_its_type(table):
    assert table in DOCUMENTED, f"CONTRACT.md has no '## {table}.parquet' section"
    for col in TABLES[table]:
        assert col.name in DOCUMENTED[table], f"{table}.{col.name} is not documented in CONTRACT.md"
        kind, meaning = DOCUMENTED[table][col.name]
        assert meaning, f"{table}.{col.name} is listed in CONTRACT.md without a meaning"
        words = [w.strip() for w in kind.split(",")]
        assert words and words[0] == _TYPE_WORDS[col.kind], (
            f"{table}.{col.name}: CONTRACT.md says {kind!r}, the schema {col.kind}"
        )
        assert ("null" in words) == col.nullable, (
            f"{table}.{col.name}: nullability differs ({kind!r} vs nullable={col.nullable})"
        )
    extra = set(DOCUMENTED[table]) - {c.name for c in TABLES[table]}
    assert not extra, f"CONTRACT.md documents {table} columns the schema does not have: {sorted(extra)}"


def test_every_issue_code_is_documented():
    documented = _documented_issue_codes()
    for code in IssueCode:
        assert code.value in documented, f"issue code {code} is not in CONTRACT.md's issue-code table"
        assert documented[code.value] == ", ".join(code.severities), (
            f"{code}: CONTRACT.md says severity {documented[code.value]!r}, the catalogue {code.severities}"
        )
    extra = set(documented) - {c.value for c in IssueCode}
    assert not extra, f"CONTRACT.md documents issue codes the catalogue does not have: {sorted(extra)}"


def test_every_issue_code_in_code_is_in_the_catalogue():
    names, literals = _issue_codes_in_code()
    assert {
        "COMPONENT_SUM_MISMATCH",
        "UNRESOLVED_UNIT",
        "TABLE_SKIPPED",
        "SECONDARY_SOURCE",
    } <= names  # the scan finds them
    unknown = names - set(IssueCode.__members__)
    assert not unknown, f"IssueCode members used in code but not in the catalogue: {sorted(unknown)}"
    unknown = literals - {c.value for c in IssueCode}
    assert not unknown, f"issue code strings used in code but not in the catalogue: {sorted(unknown)}"
    unused = set(IssueCode.__members__) - names - {IssueCode(v).name for v in literals}
    assert not unused, f"catalogue codes nothing raises: {sorted(unused)}"


def test_issues_schema_admits_only_catalogue_codes_and_severities():
    from schemas.curated import TABLES as SPECS

    cols = {c.name: c for c in SPECS["issues"]}
    assert cols["code"].isin == {c.value for c in IssueCode}
    assert cols["severity"].isin == {"error", "warning", "info"}
    assert {s for c in IssueCode for s in c.severities} <= cols["severity"].isin


def test_issue_is_keyword_only_and_checks_its_code():
    issue = Issue(doc_id="d", code="pct_mismatch", severity="warning", message="m")
    assert issue.code is IssueCode.PCT_MISMATCH
    assert issues_frame([issue]).loc[0, "code"] == "pct_mismatch" and type(issues_frame([issue]).loc[0, "code"]) is str
    with pytest.raises(TypeError):
        Issue("d", "pct_mismatch", "warning", "m")  # type: ignore[misc]
    with pytest.raises(ValueError, match="'pct_mismatches' is not an issue code"):
        Issue(doc_id="d", code="pct_mismatches", severity="warning", message="m")
    with pytest.raises(ValueError, match="allows warning"):
        Issue(doc_id="d", code=IssueCode.PCT_MISMATCH, severity="error", message="m")


def test_contract_cites_no_missing_changelog():
    assert "## Changes" in CONTRACT
    assert re.search(
        r"^- \*\*" + re.escape(__import__("schemas.curated", fromlist=["x"]).CONTRACT_VERSION) + r"\*\*", CONTRACT, re.M
    )


@pytest.mark.parametrize("path,command", list(_commands(cli)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_is_in_the_readme_with_its_options(path, command):
    lines = [line for line in README.splitlines() if re.search(re.escape(path) + r"(\s|$)", line)]
    assert lines, f"README.md never shows `{path}`"
    shown = "\n".join(lines)
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert any(opt in shown for opt in param.opts), (
                f"README.md shows `{path}` without its option {param.opts[-1]}"
            )


@pytest.mark.parametrize("path,command", list(_commands(cli)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help(path, command):
    assert command.help, f"`{path}` has no help text"
