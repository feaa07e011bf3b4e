"""`dti units ...`: the review loop for unit names the matcher would not guess.

A run records each unresolved name as an `unresolved_unit` issue; an officer reads them
with `review`, checks a name with `match`, records the answer with `accept` (an alias in
the officer's registry folder, logged in registry/accept-log.csv) and drafts the file of a
province seen for the first time with `init`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from pipeline.run_settings import DEFAULT_REGISTRY, EXIT_BROKEN_KNOWLEDGE
from schemas.issue_codes import IssueCode

if TYPE_CHECKING:
    from normalizers.units import Registry

ACTION_NEEDED = 3  # exit status when there is something for an officer to act on
registry_option = click.option(
    "--registry",
    "registry_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_REGISTRY,
    show_default=True,
    help="The officer's registry folder (units/, unit_types.yaml, ...); made from the packaged defaults if missing.",
)


def fail_on_knowledge(exc: Exception, as_json: bool = False) -> NoReturn:
    """A broken knowledge file: its problems, one ``file: key.path: reason`` line each, on stderr; exit 1."""
    problems = list(getattr(exc, "problems", [str(exc)]))
    for line in problems:
        click.echo(line, err=True)
    if as_json:
        message = "\n".join(problems)
        click.echo(json.dumps({"error": message, "exit": EXIT_BROKEN_KNOWLEDGE}, ensure_ascii=False, indent=2))
    sys.exit(EXIT_BROKEN_KNOWLEDGE)


def open_registry(registry_dir: Path) -> Registry:
    """The officer's registry, created from the packaged defaults on first use."""
    from normalizers.knowledge import KnowledgeError, load_registry_checked
    from normalizers.units import RegistryError, ensure_registry_folder

    try:
        if ensure_registry_folder(registry_dir):
            click.echo(f"dti: created the registry folder {registry_dir}/ from the packaged defaults", err=True)
        return load_registry_checked(registry_dir)
    except KnowledgeError as exc:
        fail_on_knowledge(exc)
    except (RegistryError, OSError) as exc:
        raise click.ClickException(f"the unit registry is invalid: {exc}") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})  # as under `dti`, also when invoked alone
def units() -> None:
    """Review and resolve unit names against the unit registry."""


_curated_option = click.option(
    "--curated",
    "curated_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("curated"),
    show_default=True,
    help="Folder holding the curated tables (scores.parquet, issues.parquet).",
)


@units.command()
@_curated_option
@click.option("--json", "as_json", is_flag=True, help="Print the names (or the error) as JSON.")
def review(curated_dir: Path, as_json: bool) -> None:
    """List unit names that did not resolve, with their candidates.

    Exit 3 when there are any (something to review), 1 without an issues.parquet.
    """
    import pandas as pd

    from pipeline.publish import current_version

    path = curated_dir / "issues.parquet"
    if not path.exists():
        message = f"{path} not found; run `dti run` first or pass --curated"
        if as_json:
            click.echo(json.dumps({"error": message, "exit": 1}, ensure_ascii=False, indent=2))
        raise click.ClickException(message)
    issues = pd.read_parquet(path)
    queue = issues[issues["code"] == IssueCode.UNRESOLVED_UNIT]
    rows = queue[["unit_name_raw", "doc_id", "expected"]].drop_duplicates()
    if as_json:
        unresolved = [
            {"unit_name_raw": n, "doc_id": d, "candidates": e if isinstance(e, str) and e else None}
            for n, d, e in rows.itertuples(index=False)
        ]
        click.echo(
            json.dumps(
                {"unresolved": unresolved, "published_version": current_version(curated_dir)},
                ensure_ascii=False,
                indent=2,
            )
        )
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
@click.option("--user", default=None, help="Who accepts (for registry/accept-log.csv); default: the login name.")
@registry_option
@click.option("--json", "as_json", is_flag=True, help="Print what was recorded (or the error) as JSON.")
def accept(name: str, unit_id: str, user: str | None, registry_dir: Path, as_json: bool) -> None:
    """Record NAME (as printed) as an alias of UNIT_ID in the registry. Exit 1 when refused."""
    from normalizers.units import RegistryError, UnknownUnitError

    try:
        registry = open_registry(registry_dir)
        added = registry.add_alias(unit_id, name, user)
    except UnknownUnitError as exc:
        _refuse(as_json, str(exc))
    except RegistryError as exc:
        _refuse(as_json, f"alias not recorded: {exc}")
    except click.ClickException as exc:
        _refuse(as_json, exc.message)
    unit = registry.unit(unit_id)
    where = f"{registry_dir}/units/{unit.source_file}"
    if as_json:
        click.echo(
            json.dumps(
                {"unit_id": unit_id, "unit_name": unit.name, "alias": name, "added": added, "file": where},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif added:
        click.echo(f"Recorded '{name}' as an alias of {unit_id} ({unit.name}) in {where}.")
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
@registry_option
def match(name: str, province: str, year: int | None, as_json: bool, registry_dir: Path) -> None:
    """Show how NAME resolves for a document of PROVINCE and YEAR. Exit 3 when it resolves to no unit."""
    result = open_registry(registry_dir).match(name, province, year)
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


@units.command("init")
@click.option("--province", required=True, help="Province as printed, e.g. 'Yên Bái'.")
@_curated_option
@registry_option
def init_province(province: str, curated_dir: Path, registry_dir: Path) -> None:
    """Write the registry file of PROVINCE from the names its documents printed, for review."""
    import pandas as pd

    from normalizers.units import RegistryError

    registry = open_registry(registry_dir)
    path = curated_dir / "scores.parquet"
    if not path.exists():
        raise click.ClickException(f"{path} not found; run `dti run` first or pass --curated")
    scores = pd.read_parquet(path, columns=["province", "assessment_year", "unit_name_raw"])
    code = registry.province_code(province)
    if code is None:
        raise click.ClickException(f"{province!r} is not one of Vietnam's provinces (see province_codes.yaml)")
    mine = scores[[registry.province_code(p) == code if isinstance(p, str) else False for p in scores["province"]]]
    printed = [
        (name, None if pd.isna(year) else int(year))
        for name, year in mine[["unit_name_raw", "assessment_year"]].drop_duplicates().itertuples(index=False)
    ]
    if not printed:
        raise click.ClickException(f"{path} holds no rows of {province}; run `dti run` on its documents first")
    target = registry.province_file_path(province)
    if target.exists():
        raise click.ClickException(f"{target} exists already; edit it (or move it away to draft a new one)")
    try:
        text = registry.draft_province_file(province, printed)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {target} from {len(set(mine['unit_name_raw']))} printed name(s); review it.")
