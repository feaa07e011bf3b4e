"""The registry's files: reading and validating them, and editing them the way an officer would.

A registry folder (``registry/`` in the working directory, made from the packaged defaults
by the first ``dti run`` or ``dti init``) holds ``units/<province>.yaml`` (one file per
province: its own units, aliases and lineage), ``abbreviations.yaml``, ``confusables.yaml``,
``unit_matching.yaml`` (the fuzzy thresholds), ``unit_types.yaml`` (the national catalogue)
and ``province_codes.yaml``. A file missing from the folder is read from the packaged
defaults. Edits (``dti units accept``) go through ruamel.yaml's round trip, so comments,
order, quoting and every other byte of the file stay as the officer left them.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Indel

from normalizers.knowledge import KnowledgeError, read_yaml_file
from normalizers.text import clean_printed, strip_diacritics, text_key
from normalizers.unit_model import EVENTS, UNIT_TYPES, LineageEvent, RegistryError, Unit

if TYPE_CHECKING:
    from ruamel.yaml import YAML

DATA_DIR = Path(__file__).resolve().parent / "data"
# the files of a registry folder besides units/, in the order they are fingerprinted
REGISTRY_FILES = (
    "abbreviations.yaml",
    "confusables.yaml",
    "unit_matching.yaml",
    "unit_types.yaml",
    "province_codes.yaml",
)
ACCEPT_LOG = "accept-log.csv"
ACCEPT_LOG_FIELDS = ("accepted_at", "user", "unit_id", "alias", "file")

UNIT_ID = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9_]+$")
_UNIT_FIELDS = ("unit_id", "name", "unit_type", "unit_type_code", "valid_from_year", "valid_to_year", "aliases", "note")
_EVENT_FIELDS = ("event", "from", "to", "effective_year", "approximate", "legal_basis", "note")
_FILE_FIELDS = ("province", "code", "skip_events", "units", "events")


@dataclass
class ProvinceFile:
    """One ``units/<province>.yaml`` as read: the officer's own units and events."""

    name: str
    code: str
    file: Path
    header: str
    units: list[Unit] = field(default_factory=list)
    events: list[LineageEvent] = field(default_factory=list)
    skip_events: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """Normalisation rules read from abbreviations.yaml, compiled once."""

    abbreviations: dict[str, str]
    pattern: re.Pattern[str] | None
    ignore_words: frozenset[str]
    locality_prefixes: tuple[str, ...]
    locality_words: tuple[str, ...]
    province_words: tuple[str, ...]
    city_words: tuple[str, ...]


@dataclass(frozen=True)
class ConfusableGroup:
    words: tuple[str, ...]  # normalised keys
    skeletons: tuple[frozenset[str], ...]  # diacritic-free syllables of each word


@dataclass(frozen=True)
class Thresholds:
    """When a fuzzy score may resolve a name (unit_matching.yaml)."""

    min_score: float
    min_margin: float
    stripped_penalty: float


# ---------------------------------------------------------------------------------------
# where the files are


def registry_file(directory: Path, name: str) -> Path:
    """``name`` in the officer's registry folder, or the packaged default when it has none."""
    own = directory / name
    return own if own.exists() else DATA_DIR / name


def ensure_registry_folder(directory: Path) -> bool:
    """Create ``directory`` from the packaged defaults when it does not exist yet.

    Returns True when it was created. An existing folder is the officer's and is left as it
    is, even when it lacks a file (that file is then read from the packaged defaults).
    """
    if (directory / "units").is_dir():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    for name in REGISTRY_FILES:
        if not (directory / name).exists():
            shutil.copy(DATA_DIR / name, directory / name)
    staging = Path(tempfile.mkdtemp(dir=directory, prefix=".units."))
    try:
        shutil.copytree(DATA_DIR / "units", staging, dirs_exist_ok=True)
        os.rename(staging, directory / "units")  # atomic: a concurrent first run sees all files or none
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (directory / "units").is_dir():
            raise
        return False
    return True


# ---------------------------------------------------------------------------------------
# reading


def read_yaml(path: Path) -> Any:
    """A registry file's data, read the one way every knowledge file is (:mod:`normalizers.knowledge`)."""
    try:
        return read_yaml_file(path, path.name)
    except KnowledgeError as exc:
        raise RegistryError(str(exc)) from exc


def _header(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def opt_year(value: Any, where: str, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1945 <= value <= 2100:
        raise RegistryError(f"{where}: {what} must be a year like 2018 or null, not {value!r}")
    return value


def opt_text(value: Any, where: str, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)):
        raise RegistryError(f"{where}: {what} must be text, not {value!r}")
    return clean_printed(str(value)) or None


def id_list(value: Any, where: str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where}: '{what}' must be a non-empty list of unit ids")
    return tuple(value)


def text_list(value: Any, where: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RegistryError(f"{where}: {what} must be a list of names as printed")
    out = []
    for item in value:
        text = opt_text(item, where, what)
        if not text:
            raise RegistryError(f"{where}: empty entry in {what}")
        out.append(text)
    return tuple(out)


def _parse_unit(raw: Any, prov: ProvinceFile, index: int) -> Unit:
    where = f"{prov.file.name}, unit #{index + 1}"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: each unit must be a mapping with unit_id, name, unit_type, ...")
    unit_id = raw.get("unit_id")
    if isinstance(unit_id, str):
        where = f"{prov.file.name}, unit {unit_id}"
    unknown = set(raw) - set(_UNIT_FIELDS)
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not isinstance(unit_id, str) or not UNIT_ID.match(unit_id):
        raise RegistryError(f"{where}: unit_id must be an ASCII slug like '{prov.code}.so_y_te', not {unit_id!r}")
    if unit_id.split(".", 1)[0] != prov.code:
        raise RegistryError(f"{where}: unit_id must start with the file's province code '{prov.code}.'")
    name = opt_text(raw.get("name"), where, "name")
    if not name:
        raise RegistryError(f"{where}: name is missing")
    unit_type = raw.get("unit_type")
    if unit_type not in UNIT_TYPES:
        raise RegistryError(f"{where}: unit_type must be one of {', '.join(UNIT_TYPES)}, not {unit_type!r}")
    type_code = raw.get("unit_type_code")
    if type_code is not None and (not isinstance(type_code, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", type_code)):
        raise RegistryError(f"{where}: unit_type_code must be a type code of unit_types.yaml, not {type_code!r}")
    start = opt_year(raw.get("valid_from_year"), where, "valid_from_year")
    end = opt_year(raw.get("valid_to_year"), where, "valid_to_year")
    if start is not None and end is not None and start > end:
        raise RegistryError(f"{where}: valid_from_year {start} is after valid_to_year {end}")
    if raw.get("aliases") is not None and not isinstance(raw.get("aliases"), list):
        raise RegistryError(f"{where}: aliases must be a list of names as printed")
    return Unit(
        unit_id=unit_id,
        province=prov.name,
        name=name,
        unit_type=unit_type,
        valid_from_year=start,
        valid_to_year=end,
        aliases=text_list(raw.get("aliases"), where, "aliases"),
        note=opt_text(raw.get("note"), where, "note"),
        source_file=prov.file.name,
        unit_type_code=type_code,
    )


def parse_event(raw: Any, where: str, source: str, fields: Sequence[str] = _EVENT_FIELDS) -> LineageEvent:
    """One lineage event; ``where`` names the file and the event for messages."""
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: each event must be a mapping with event, from, to, effective_year")
    unknown = set(raw) - set(fields)
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    kind = raw.get("event")
    if kind not in EVENTS:
        raise RegistryError(f"{where}: event must be one of {', '.join(EVENTS)}, not {kind!r}")
    from_ids = id_list(raw.get("from"), where, "from")
    to_ids = id_list(raw.get("to"), where, "to")
    where = f"{where} ({kind} {', '.join(from_ids)} → {', '.join(to_ids)})"
    year = opt_year(raw.get("effective_year"), where, "effective_year")
    if year is None:
        raise RegistryError(f"{where}: effective_year is missing")
    approximate = raw.get("approximate", False)
    if not isinstance(approximate, bool):
        raise RegistryError(f"{where}: approximate must be true or false")
    if kind == "rename" and (len(from_ids) != 1 or len(to_ids) != 1):
        raise RegistryError(f"{where}: a rename goes from one unit to one unit")
    if kind == "merge" and len(to_ids) != 1:
        raise RegistryError(f"{where}: a merge goes into exactly one unit")
    if kind == "split" and len(from_ids) != 1:
        raise RegistryError(f"{where}: a split starts from exactly one unit")
    if set(from_ids) & set(to_ids):
        raise RegistryError(f"{where}: a unit cannot be both source and result of one event")
    return LineageEvent(
        event=kind,
        from_ids=from_ids,
        to_ids=to_ids,
        effective_year=year,
        approximate=approximate,
        legal_basis=opt_text(raw.get("legal_basis"), where, "legal_basis"),
        note=opt_text(raw.get("note"), where, "note"),
        source_file=source,
    )


def parse_province_file(path: Path) -> ProvinceFile:
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise RegistryError(f"{path.name}: expected a mapping with province, code, units, events")
    unknown = set(raw) - set(_FILE_FIELDS)
    if unknown:
        raise RegistryError(f"{path.name}: unknown top-level field(s) {', '.join(sorted(unknown))}")
    name = opt_text(raw.get("province"), path.name, "province")
    code = raw.get("code")
    if not name:
        raise RegistryError(f"{path.name}: 'province' (the name as documents print it) is missing")
    if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9]*", code):
        raise RegistryError(f"{path.name}: 'code' must be a short lowercase ASCII prefix like 'lci', not {code!r}")
    skip = raw.get("skip_events") or []
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise RegistryError(f"{path.name}: 'skip_events' must be a list of event ids of unit_types.yaml")
    prov = ProvinceFile(name=name, code=code, file=path, header=_header(path), skip_events=tuple(skip))
    units = raw.get("units") or []
    events = raw.get("events") or []
    if not isinstance(units, list) or not isinstance(events, list):
        raise RegistryError(f"{path.name}: 'units' and 'events' must be lists")
    prov.units = [_parse_unit(u, prov, i) for i, u in enumerate(units)]
    prov.events = [parse_event(e, f"{path.name}, event #{i + 1}", path.name) for i, e in enumerate(events)]
    return prov


def load_rules(path: Path) -> Rules:
    raw = read_yaml(path) or {}
    if not isinstance(raw, dict) or not isinstance(raw.get("abbreviations", {}), dict):
        raise RegistryError(f"{path.name}: expected 'abbreviations' as a mapping of short form to full form")
    expansions: dict[str, str] = {}
    for short, full in (raw.get("abbreviations") or {}).items():
        short_key, full_key = text_key(str(short)), text_key(str(full))
        if not short_key or not full_key:
            raise RegistryError(f"{path.name}: abbreviation {short!r} has an empty short or full form")
        if short_key in expansions and expansions[short_key] != full_key:
            raise RegistryError(
                f"{path.name}: abbreviation {short!r} reads the same as another one with a different expansion"
            )
        expansions[short_key] = full_key
    pattern = None
    if expansions:
        alternatives = "|".join(re.escape(k) for k in sorted(expansions, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")

    def words(name: str) -> tuple[str, ...]:
        value = raw.get(name) or []
        if not isinstance(value, list):
            raise RegistryError(f"{path.name}: '{name}' must be a list")
        return tuple(text_key(str(v)) for v in value if text_key(str(v)))

    return Rules(
        abbreviations=expansions,
        pattern=pattern,
        ignore_words=frozenset(words("ignore_words")),
        locality_prefixes=words("locality_prefixes"),
        locality_words=words("locality_words"),
        province_words=words("province_words"),
        city_words=words("city_words"),
    )


def drop_ignored(key: str, rules: Rules) -> str:
    return " ".join(w for w in key.split() if w not in rules.ignore_words)


def load_confusables(path: Path, rules: Rules) -> tuple[ConfusableGroup, ...]:
    raw = read_yaml(path) or {}
    groups = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(groups, list):
        raise RegistryError(f"{path.name}: expected 'groups', a list of {{words: [...], why: ...}}")
    result = []
    for i, group in enumerate(groups):
        words = group.get("words") if isinstance(group, dict) else None
        if not isinstance(words, list) or not words:
            raise RegistryError(f"{path.name}, group #{i + 1}: 'words' must be a non-empty list")
        keys = tuple(drop_ignored(text_key(str(w)), rules) for w in words)
        skeletons = tuple(frozenset(strip_diacritics(k).split()) for k in keys)
        if len(set(skeletons)) != len(skeletons):
            raise RegistryError(
                f"{path.name}, group #{i + 1}: words {words} read the same without diacritics; "
                "they cannot be told apart in scans"
            )
        result.append(ConfusableGroup(words=keys, skeletons=skeletons))
    return tuple(result)


def load_thresholds(path: Path) -> Thresholds:
    raw = read_yaml(path)
    values = {}
    for name in ("min_score", "min_margin", "stripped_penalty"):
        value = raw.get(name) if isinstance(raw, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise RegistryError(f"{path.name}: '{name}' must be a number from 0 to 100, not {value!r}")
        values[name] = float(value)
    return Thresholds(**values)


# ---------------------------------------------------------------------------------------
# writing


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    import yaml  # PyYAML and ruamel.yaml load only where a registry file is written

    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def render_unit(u: Unit) -> list[str]:
    """One unit's lines in the layout officers edit by hand."""
    out = [
        f"  - unit_id: {_scalar(u.unit_id)}",
        f"    name: {_scalar(u.name)}",
        f"    unit_type: {_scalar(u.unit_type)}",
    ]
    if u.unit_type_code and u.unit_id.split(".", 1)[1] != u.unit_type_code:
        out.append(f"    unit_type_code: {_scalar(u.unit_type_code)}")
    out.append(f"    valid_from_year: {_scalar(u.valid_from_year)}")
    out.append(f"    valid_to_year: {_scalar(u.valid_to_year)}")
    if u.aliases:
        out.append("    aliases:")
        out += [f"      - {_scalar(a)}" for a in u.aliases]
    else:
        out.append("    aliases: []")
    if u.note:
        out.append(f"    note: {_scalar(u.note)}")
    return out


# the comment block a new province file starts with (`dti units init`, the first accepted alias)
FILE_HEADER = """\
# Unit registry: {province}. One entry per organisation; edit this file, not code.
# Units not listed here come from the national catalogue (unit_types.yaml) and the map of
# districts (vietnamadminunits); a unit listed here replaces the national one of its type.
#   unit_id          stable ASCII id "<code>.<slug>"; never reuse or change one that curated data holds
#   name             canonical name (the current official spelling, without "tỉnh {province}")
#   unit_type        department_agency | party_mass_org | district_locality | other
#   unit_type_code   the catalogue type (unit_types.yaml) when the id's slug is not the type code
#   valid_from_year  first year the unit existed (null = before the registry's first document)
#   valid_to_year    last year the unit existed (null = still exists)
#   aliases          other spellings as printed in documents (case and tone-mark variants need no alias)
#   note             optional: sources, doubts
# events: how units became other units (rename | merge | split, effective_year, approximate,
# legal_basis); the catalogue's 2025 events apply unless listed under skip_events.
# `dti units accept` appends aliases and leaves every other byte of this file as it is."""


def render_province_file(
    province: str, code: str, units: Sequence[Unit], events: Sequence[LineageEvent], header: str = ""
) -> str:
    """The YAML text of one province file, in the fixed layout officers edit by hand."""
    out = [header, ""] if header else []
    out += [f"province: {_scalar(province)}", f"code: {_scalar(code)}", "", "units:" if units else "units: []"]
    for u in units:
        out += render_unit(u)
    out += ["", "events:" if events else "events: []"]
    for e in events:
        out.append(f"  - event: {_scalar(e.event)}")
        out.append(f"    from: [{', '.join(_scalar(i) for i in e.from_ids)}]")
        out.append(f"    to: [{', '.join(_scalar(i) for i in e.to_ids)}]")
        out.append(f"    effective_year: {_scalar(e.effective_year)}")
        out.append(f"    approximate: {_scalar(e.approximate)}")
        out.append(f"    legal_basis: {_scalar(e.legal_basis)}")
        if e.note:
            out.append(f"    note: {_scalar(e.note)}")
    return "\n".join(out) + "\n"


def atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _round_trip() -> YAML:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 10**6
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return rt


def file_with_alias(text: str, file_name: str, unit_id: str, alias: str, new_unit: Unit | None = None) -> str:
    """``text`` of a province file with ``alias`` appended to ``unit_id``'s aliases.

    When the file has no such unit (a unit of the national catalogue, accepted for the first
    time), ``new_unit`` is appended to the file's units with the alias. The edit is a
    ruamel.yaml round trip; the result is checked to differ from ``text`` only by added
    lines (and an emptied ``aliases: []`` becoming a list), so nothing else can change.
    """
    import yaml
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError as RuamelError

    rt = _round_trip()
    try:
        data = rt.load(text)
    except RuamelError as exc:
        raise RegistryError(f"{file_name}: not valid YAML ({exc})") from exc
    units = data.get("units") if isinstance(data, dict) else None
    if units is None:
        units = CommentedSeq()
        data["units"] = units
    entry = next((u for u in units if isinstance(u, dict) and u.get("unit_id") == unit_id), None)
    if entry is None:
        if new_unit is None:
            raise RegistryError(f"{file_name}: no unit {unit_id} to add the alias to")
        entry = CommentedMap(yaml.safe_load("\n".join(line[4:] for line in render_unit(new_unit))))
        entry["aliases"] = CommentedSeq()
        units.append(entry)
    aliases = entry.get("aliases")
    if not aliases:
        aliases = CommentedSeq()
        entry["aliases"] = aliases
    aliases.append(alias)
    sink = io.StringIO()
    rt.dump(data, sink)
    result = sink.getvalue()
    before, after = text.splitlines(), result.splitlines()
    changes = [op for op in Indel.opcodes(before, after) if op.tag != "equal"]
    diff = [f"- {line}" for op in changes for line in before[op.src_start : op.src_end]]
    diff += [f"+ {line}" for op in changes for line in after[op.dest_start : op.dest_end]]
    added = {line[2:] for line in diff if line.startswith("+ ")}

    def grown(old: str) -> bool:  # a flow list written on one line, with the alias added in place
        return any(new.replace(f", {alias}", "", 1) == old or new.replace(alias, "", 1) == old for new in added)

    removed = [
        line
        for line in diff
        if line.startswith("- ") and line[2:].strip() not in ("aliases: []", "units: []") and not grown(line[2:])
    ]
    if removed:
        raise RegistryError(
            f"{file_name}: recording the alias would also change {removed[0][2:].strip()!r}; add it by hand"
        )
    return result


def append_accept_log(directory: Path, unit_id: str, alias: str, file_name: str, user: str | None = None) -> Path:
    """Who accepted which spelling for which unit and when, one CSV row per accepted alias."""
    path = directory / ACCEPT_LOG
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(ACCEPT_LOG_FIELDS)
        when = datetime.now(UTC).replace(microsecond=0).isoformat()
        writer.writerow([when, user or getpass.getuser(), unit_id, alias, f"units/{file_name}"])
    return path


def registry_digest(directory: Path, admin_version: str) -> str:
    """SHA-256 over what a registry is built from: its files (names and bytes) and the national map's version.

    One definition for :meth:`Registry.fingerprint` and the registry index, which must agree.
    """
    digest = hashlib.sha256(f"vietnamadminunits {admin_version}\0".encode())
    for name in REGISTRY_FILES:
        path = registry_file(directory, name)
        digest.update(name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    for path in sorted((directory / "units").glob("*.yaml")):
        digest.update(path.relative_to(directory).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
