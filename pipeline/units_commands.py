"""`dti units ...`: the review loop for unit names the matcher would not guess.

A run records each unresolved name as an `unresolved_unit` issue; an officer reads them
with `review`, checks a name with `match` and records the answer with `accept`, which
adds an alias to the registry file so the next run resolves it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd

from normalizers.units import Registry, RegistryError, UnknownUnitError

ACTION_NEEDED = 3  # exit status when there is something for an officer to act on

_registry_option = click.option(
    "--registry",
    "registry_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Registry directory (units/, abbreviations.yaml, confusables.yaml); default: the packaged one.",
)


def _load(registry_dir: Path | None) -> Registry:
    try:
        return Registry.load(registry_dir)
    except RegistryError as exc:
        raise click.ClickException(f"the unit registry is invalid: {exc}") from exc


@click.group()
def units() -> None:
    """Review and resolve unit names against the unit registry."""


@units.command()
@click.option(
    "--curated",
    "curated_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("curated"),
    show_default=True,
    help="Folder holding issues.parquet.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the names (or the error) as JSON.")
def review(curated_dir: Path, as_json: bool) -> None:
    """List unit names that did not resolve, with their candidates.

    Exit 3 when there are any (something to review), 1 without an issues.parquet.
    """
    from pipeline.publish import current_version

    path = curated_dir / "issues.parquet"
    if not path.exists():
        message = f"{path} not found; run `dti run` first or pass --curated"
        if as_json:
            click.echo(json.dumps({"error": message, "exit": 1}, ensure_ascii=False, indent=2))
        raise click.ClickException(message)
    issues = pd.read_parquet(path)
    queue = issues[issues["code"] == "unresolved_unit"]
    rows = queue[["unit_name_raw", "doc_id", "expected"]].drop_duplicates()
    if as_json:
        unresolved = [{"unit_name_raw": n, "doc_id": d, "candidates": e if isinstance(e, str) and e else None}
                      for n, d, e in rows.itertuples(index=False)]
        click.echo(json.dumps({"unresolved": unresolved, "published_version": current_version(curated_dir)},
                              ensure_ascii=False, indent=2))
        sys.exit(ACTION_NEEDED if unresolved else 0)
    if queue.empty:
        click.echo("No unresolved unit names.")
        return
    click.echo(f"{len(rows)} unresolved unit name(s):")
    for name, doc_id, expected in rows.itertuples(index=False):
        click.echo(f"- {name!s}  (doc {doc_id})")
        click.echo(f"    candidates: {expected if isinstance(expected, str) and expected else '(none)'}")
    click.echo('Record an answer with: dti units accept "<name as printed>" <unit_id>')
    sys.exit(ACTION_NEEDED)


@units.command()
@click.argument("name")
@click.argument("unit_id")
@_registry_option
@click.option("--json", "as_json", is_flag=True, help="Print what was recorded (or the error) as JSON.")
def accept(name: str, unit_id: str, registry_dir: Path | None, as_json: bool) -> None:
    """Record NAME (as printed) as an alias of UNIT_ID in the registry. Exit 1 when refused."""
    try:
        registry = _load(registry_dir)
        added = registry.add_alias(unit_id, name)
    except UnknownUnitError as exc:
        _refuse(as_json, str(exc))
    except RegistryError as exc:
        _refuse(as_json, f"alias not recorded: {exc}")
    except click.ClickException as exc:
        _refuse(as_json, exc.message)
    unit = registry.unit(unit_id)
    if as_json:
        click.echo(json.dumps({"unit_id": unit_id, "unit_name": unit.name, "alias": name, "added": added,
                               "file": str(unit.source_file)}, ensure_ascii=False, indent=2))
    elif added:
        click.echo(f"Recorded '{name}' as an alias of {unit_id} ({unit.name}) in {unit.source_file}.")
    else:
        click.echo(f"{unit_id} ({unit.name}) already answers to '{name}'; nothing changed.")


def _refuse(as_json: bool, message: str) -> None:
    if as_json:
        click.echo(json.dumps({"error": message, "exit": 1}, ensure_ascii=False, indent=2))
    raise click.ClickException(message)


@units.command()
@click.argument("name")
@click.option("--province", required=True, help="Province as printed, e.g. 'Lào Cai'.")
@click.option("--year", type=int, default=None, help="The year the document assesses.")
@click.option("--json", "as_json", is_flag=True, help="Print the match as JSON.")
@_registry_option
def match(name: str, province: str, year: int | None, as_json: bool, registry_dir: Path | None) -> None:
    """Show how NAME resolves for a document of PROVINCE and YEAR. Exit 3 when it resolves to no unit."""
    result = _load(registry_dir).match(name, province, year)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        sys.exit(ACTION_NEEDED if result.unit_id is None else 0)
    click.echo(f"name:      {result.name}")
    click.echo(f"unit:      {result.unit_id or '-'}" + (f" ({result.unit_name})" if result.unit_name else ""))
    click.echo(f"method:    {result.method}  score {result.score:.1f}")
    if result.runner_up:
        click.echo(f"runner-up: {result.runner_up}  score {result.runner_up_score:.1f}")
    for uid, cname, score in result.candidates:
        click.echo(f"  candidate {uid:28s} {score:5.1f}  {cname}")
    click.echo(f"reason:    {result.reason}")
    sys.exit(ACTION_NEEDED if result.unit_id is None else 0)
