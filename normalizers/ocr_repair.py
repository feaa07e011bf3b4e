"""Self-checking repair of OCR-read ranking cells, decided by the document's own arithmetic.

Tesseract misreads digits ("l2" for 12, "8063" for 806.3, "1" for rank 11). A row whose
checks fail (pillars that do not add up, a score above its maximum, a percent that is not
total/max, a rank out of order, a tier against its thresholds) gets candidate readings of
its doubtful cells, those read with low confidence or not as a number, from a confusion
table kept as data (``data/ocr_confusions.yaml``). A reading is applied only when it is
the one combination that makes every check of the row pass. A confidently read cell is
never changed, so a discrepancy the document itself publishes stays as printed and the
checks report it. Anything less certain is reported as ``low_confidence`` and the row's
confidence lowered: a wrong value must never enter the data silently.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations, product
from typing import Any, NamedTuple

from normalizers.frameworks import Tier, tier_for_pct, tier_index
from normalizers.knowledge import KnowledgeBundle, OcrConfusionsFile, built, bundle_or_default
from normalizers.numbers import (
    EPS,
    Convention,
    NumberFormatError,
    decimals,
    expected_percent,
    is_missing,
    missing_marks,
    parse_number,
    parse_rank,
    percent_rule,
    sum_tolerance,
)
from schemas.issue_codes import IssueCode
from schemas.issues import Issue
from schemas.raw import RawRow, RawTable

CONFIDENCE_THRESHOLD = 0.90  # on the two scans 96% of correctly read cells are above, the rest 0.08-0.89
LOW_CONFIDENCE_FACTOR = 0.5
MAX_COMBINATIONS = 5000  # pairs of candidate readings tried per row
MAX_CHAR_VARIANTS = 64


@dataclass(frozen=True)
class Confusions:
    characters: dict[str, tuple[str, ...]]  # a non-digit -> the digits it may stand for ("" = stray mark)
    digits: dict[str, tuple[str, ...]]  # a digit -> the digits it is confused with
    decimal_point: bool
    rank_leading_digit: bool


def _compile(data: OcrConfusionsFile) -> Confusions:
    digits: dict[str, set[str]] = {}
    for a, b in data.digits:
        digits.setdefault(a, set()).add(b)
        digits.setdefault(b, set()).add(a)
    return Confusions(
        dict(data.characters),
        {k: tuple(sorted(v)) for k, v in digits.items()},
        data.decimal_point,
        data.rank_leading_digit,
    )


def load_confusions(knowledge: KnowledgeBundle | None = None) -> Confusions:
    """The confusion table of ocr_confusions.yaml (the bundle's, validated at start)."""
    return built(bundle_or_default(knowledge).ocr_confusions, _compile)


# --- reading cells -------------------------------------------------------------------------


def _parse_rank(text: str) -> int:
    rank = parse_rank(text)
    if rank is None:
        raise NumberFormatError(f"{text!r} is not a rank")
    return rank


def _sep(convention: Convention) -> str:
    return "," if convention is Convention.DECIMAL_COMMA else "."


def _places(text: str | None, sep: str) -> int:
    body = (text or "").strip().rstrip("%")
    return len(body.rsplit(sep, 1)[1]) if sep in body else 0


def _cell_keys(n_components: int) -> list[str]:
    return ["rank", "total", "percent"] + [f"component:{i}" for i in range(n_components)]


def _get(row: RawRow, key: str) -> str | None:
    if key.startswith("component:"):
        i = int(key.split(":")[1])
        return row.components[i] if i < len(row.components) else None
    return getattr(row, key)


def _with(row: RawRow, key: str, text: str) -> RawRow:
    """The row with one cell read differently."""
    if key.startswith("component:"):
        i = int(key.split(":")[1])
        return dataclasses.replace(row, components=(*row.components[:i], text, *row.components[i + 1 :]))
    cells: dict[str, Any] = {key: text}  # rank, total or percent
    return dataclasses.replace(row, **cells)


def _distrusted(row: RawRow) -> RawRow:
    """The row worth at most half its least confident cell: lowered once, however often it is repaired.

    A ceiling, not a product, so the repair of a repaired table leaves the confidence where the
    first repair put it (halving it again was the bug: 0.275, then 0.1375).
    """
    ceiling = LOW_CONFIDENCE_FACTOR * min(row.cell_confidence.values(), default=1.0)
    return dataclasses.replace(row, confidence=min(row.confidence, ceiling))


def cell_confidence(row: RawRow, key: str) -> float:
    """OCR confidence of a cell (1.0 for a text layer)."""
    return row.cell_confidence.get(key, 1.0)


def is_confident(row: RawRow, key: str) -> bool:
    return cell_confidence(row, key) >= CONFIDENCE_THRESHOLD


# --- candidate readings --------------------------------------------------------------------


def _char_variants(text: str, conf: Confusions) -> list[str]:
    """Every reading of the text's non-digits as the digits (or stray marks) they may be."""
    options: list[tuple[str, ...]] = []
    for ch in text:
        if ch.isdigit() or ch in ".,% ":
            options.append((ch,))
        elif ch in conf.characters:
            options.append(conf.characters[ch])
        else:
            return []
    if math.prod(len(o) for o in options) > MAX_CHAR_VARIANTS:
        return []
    return ["".join(p).strip() for p in product(*options)]


def _digit_swaps(text: str, conf: Confusions) -> Iterator[str]:
    for i, ch in enumerate(text):
        for alt in conf.digits.get(ch, ()):
            yield text[:i] + alt + text[i + 1 :]


def _decimal_fixes(text: str, places: int, sep: str) -> Iterator[str]:
    """The same digits with the decimal point where the document puts it, or without one.

    Either separator counts as the misread point ("44,3" in a document of decimal points).
    """
    suffix = "%" if text.endswith("%") else ""
    body = text[: len(text) - len(suffix)]
    digits = body.replace(".", "").replace(",", "")  # OCR reads a point as a comma and back
    if not digits.isdigit():
        return
    if places and len(digits) > places:
        yield digits[:-places] + sep + digits[-places:] + suffix
    if "." in body or "," in body:
        yield digits + suffix


def candidate_readings(
    key: str,
    text: str,
    convention: Convention,
    places: int,
    confusions: Confusions | None = None,
    marks: frozenset[str] | None = None,
) -> list[str]:
    """Readings of one doubtful cell that the confusion table allows (None: the default bundle's), each a number."""
    conf = confusions or load_confusions()
    sep = _sep(convention)
    text = text.strip()
    readable = _readable(key, text, convention, marks)
    bases = [text] if readable else _char_variants(text, conf)
    found: list[str] = [] if readable else list(bases)
    for base in bases:
        if readable:
            found.extend(_digit_swaps(base, conf))
        if conf.decimal_point and key != "rank":
            found.extend(_decimal_fixes(base, places, sep))
        if conf.rank_leading_digit and key == "rank" and base.rstrip(".").isdigit():
            found.extend(d + base for d in "123456789")
    unique: list[str] = []
    for cand in found:
        if cand and cand != text and cand not in unique and _readable(key, cand, convention, marks):
            unique.append(cand)
    return unique


def _readable(key: str, text: str, convention: Convention, marks: frozenset[str] | None = None) -> bool:
    try:
        value = _parse_rank(text) if key == "rank" else parse_number(text, convention, marks)
    except NumberFormatError:
        return False
    return value is not None and (key != "rank" or value > 0)


# --- the row's checks ----------------------------------------------------------------------


@dataclass
class _Reading:
    """One row's cells parsed; `bad` lists the keys that do not parse."""

    rank: int | None
    total: float | None
    percent: float | None
    components: list[float | None]
    bad: list[str]


class _Table:
    """Everything a row's checks need from the rest of its table, decided once per table."""

    def __init__(
        self,
        table: RawTable,
        convention: Convention,
        max_score: float,
        component_max: list[float | None],
        tiers: tuple[Tier, ...] | None,
        bundle: KnowledgeBundle | None = None,
    ):
        self.table, self.convention, self.max_score = table, convention, max_score
        self.knowledge = bundle_or_default(bundle).frameworks
        self.confusions = load_confusions(bundle)
        self.marks = missing_marks(bundle)
        self.rows = list(table.rows)  # the repair's working rows: a repaired row replaces its original here
        self.component_max = component_max
        self.tiers = tiers or ()
        self.thresholds = any(t.pct_gt is not None or t.pct_le is not None for t in self.tiers)
        self.keys = _cell_keys(len(table.components))
        rows = [r for r in table.rows if r.evaluated]
        sep = _sep(convention)
        confident = {
            k: [
                _get(r, k)
                for r in rows
                if is_confident(r, k) and _readable(k, _get(r, k) or "", convention, self.marks)
            ]
            for k in self.keys
        }
        comp_texts = [t for k in self.keys if k.startswith("component:") for t in confident[k]]
        self.places = {
            "rank": 0,
            "total": max((_places(t, sep) for t in confident["total"]), default=0),
            "percent": max((_places(t, sep) for t in confident["percent"]), default=0),
            "component": max((_places(t, sep) for t in comp_texts), default=0),
        }
        comp_values = [parse_number(t, convention, self.marks) for t in comp_texts]
        comp_places = decimals(comp_values)
        self.check_tolerance = sum_tolerance(comp_places, len(table.components))
        self.repair_tolerance = self._repair_tolerance(rows, comp_places)
        self.pct_rule = self._percent_rule(rows)
        self.ordered = self._printed_in_rank_order(rows)
        self._trusted: list[tuple[int, _Reading]] | None = None

    def places_of(self, key: str) -> int:
        return self.places["component" if key.startswith("component:") else key]

    def read(self, row: RawRow, override: dict[str, str] | None = None) -> _Reading:
        texts = {k: (override or {}).get(k, _get(row, k)) for k in self.keys}
        values: dict[str, float | int | None] = {}
        bad = []
        for k, text in texts.items():
            try:
                if text is None or is_missing(text, self.marks):
                    values[k] = None
                else:
                    values[k] = _parse_rank(text) if k == "rank" else parse_number(text, self.convention, self.marks)
            except NumberFormatError:
                values[k] = None
                bad.append(k)
        comps = [values[k] for k in self.keys if k.startswith("component:")]
        return _Reading(values["rank"], values["total"], values["percent"], comps, bad)  # type: ignore[arg-type]

    def _repair_tolerance(self, rows: list[RawRow], comp_places: int) -> float:
        """A repair must leave the row as consistent as the confidently read rows are.

        The checks allow every pillar its rounding, which on Cao Bằng's ten-pillar rows is
        ±0.35; a misread tenth (75.4 for 75.1) fits inside that by chance. The rows read
        with confidence show the document's real precision (there: at most 0.1).
        """
        residuals = []
        for row in rows:
            if not all(is_confident(row, k) for k in self.keys if _get(row, k) is not None):
                continue
            reading = self.read(row)
            if reading.bad or reading.total is None or not reading.components or None in reading.components:
                continue
            residual = abs(sum(reading.components) - reading.total)  # type: ignore[arg-type]
            if residual <= self.check_tolerance:
                residuals.append(residual)
        if not residuals:
            return self.check_tolerance
        return min(self.check_tolerance, max(max(residuals), 0.5 * 10**-comp_places) + EPS)

    def _percent_rule(self, rows: list[RawRow]) -> tuple[str, int] | None:
        """Rounded or truncated percentages, and their decimals, as the confident rows print them."""
        pairs = []
        for row in rows:
            if row.percent is None or not (is_confident(row, "total") and is_confident(row, "percent")):
                continue
            reading = self.read(row)
            if reading.total is not None and reading.percent is not None and "total" not in reading.bad:
                pairs.append((reading.total / self.max_score * 100, reading.percent))
        if not pairs:
            return None
        d = self.places["percent"]
        return percent_rule(pairs, d), d

    def _printed_in_rank_order(self, rows: list[RawRow]) -> bool:
        read = [self.read(r).rank for r in rows if is_confident(r, "rank")]
        ranks = [r for r in read if r is not None]
        steps = list(zip(ranks, ranks[1:]))
        return bool(steps) and sum(a <= b for a, b in steps) >= 0.9 * len(steps)

    def failures(
        self, index: int, override: dict[str, str] | None = None, strict: bool = False, local_only: bool = False
    ) -> dict[str, set[str]]:
        """Failing checks of one row -> the cells each involves (`local_only`: the row's own arithmetic)."""
        row = self.rows[index]
        r = self.read(row, override)
        comp_keys = [k for k in self.keys if k.startswith("component:")]
        fails: dict[str, set[str]] = {}
        if r.bad:
            fails["unparseable"] = set(r.bad)
        over = {
            k
            for k, v, m in zip(comp_keys, r.components, self.component_max)
            if v is not None and (v < -EPS or (m is not None and v > m + EPS))
        }
        if r.total is not None and (r.total < -EPS or r.total > self.max_score + EPS):
            over.add("total")
        if over:
            fails["max"] = over
        if r.total is not None and r.components and None not in r.components:
            tolerance = self.repair_tolerance if strict else self.check_tolerance
            if abs(sum(r.components) - r.total) > tolerance:  # type: ignore[arg-type]
                fails["sum"] = {"total", *comp_keys}
        if r.total is not None and r.percent is not None and self.pct_rule is not None:
            rule, d = self.pct_rule
            pct = r.total / self.max_score * 100
            expected = expected_percent(pct, d, rule)
            if abs(expected - r.percent) > EPS:
                fails["percent"] = {"total", "percent"}
        if local_only:
            return fails
        if r.total is not None and r.rank is not None and not self._rank_fits(index, r.rank, r.total):
            fails["rank"] = {"rank", "total"}
        if r.total is not None and not self._tier_fits(index, row.tier, r.total):
            fails["tier"] = {"total"}
        return fails

    def _references(self, index: int) -> list[tuple[int, _Reading]]:
        """Other rows whose own arithmetic holds: evidence for rank and tier order."""
        if self._trusted is None:
            self._trusted = [
                (j, self.read(row)) for j, row in enumerate(self.rows) if row.evaluated and not self.failures_local(j)
            ]
        return [(j, reading) for j, reading in self._trusted if j != index]

    def changed(self) -> None:
        """A cell was corrected: the rows trusted as evidence are decided again."""
        self._trusted = None

    def failures_local(self, index: int) -> set[str]:
        return set(self.failures(index, local_only=True))

    def _rank_fits(self, index: int, rank: int, total: float) -> bool:
        prev_rank = next_rank = None
        for j, other in self._references(index):
            if other.rank is None:
                continue
            if j < index:
                prev_rank = other.rank
            elif next_rank is None:
                next_rank = other.rank
            if other.total is None:
                continue
            if other.rank < rank and other.total < total - EPS or other.rank > rank and other.total > total + EPS:
                return False
            if other.rank == rank and abs(other.total - total) > EPS:
                return False
        return not (
            self.ordered and (prev_rank is not None and rank < prev_rank or next_rank is not None and rank > next_rank)
        )

    def _tier_fits(self, index: int, label: str | None, total: float) -> bool:
        mine = tier_index(label, self.tiers)
        if mine is None:
            return True
        if self.thresholds:
            admitting = tier_for_pct(total / self.max_score * 100, self.tiers)
            return admitting is None or admitting is self.tiers[mine]
        for j, other in self._references(index):
            theirs = tier_index(self.rows[j].tier, self.tiers)
            if theirs is None or other.total is None:
                continue
            if other.total < total - EPS and theirs < mine or other.total > total + EPS and theirs > mine:
                return False
        return True


# --- the repair ----------------------------------------------------------------------------


def _doubtful(row: RawRow, key: str, convention: Convention, marks: frozenset[str] | None = None) -> bool:
    """Read with low confidence, or read by OCR (confidence below 1) as something not a number."""
    text = _get(row, key)
    if text is None or is_missing(text, marks):
        return False
    confidence = cell_confidence(row, key)
    return confidence < CONFIDENCE_THRESHOLD or (confidence < 1.0 and not _readable(key, text, convention, marks))


def _passing(
    ctx: _Table, index: int, options: dict[str, list[str]], misread: set[str]
) -> tuple[list[dict[str, str]], bool]:
    """Combinations of readings that make every check pass: single cells first, then pairs.

    Pairs only of cells certainly misread (`misread`: not a number, or beyond a maximum).
    One plausible value may be settled by the pillar sum; two plausible values changed
    together fit a published discrepancy by chance (Sở Y tế: 75.4->75.1 with 253.9->253.8).
    The flag is True when the search stopped early: then one passing reading is not "the only one".
    """
    singles = [{k: c} for k, cands in options.items() for c in cands if not ctx.failures(index, {k: c}, strict=True)]
    if singles:
        return singles, False
    pairs: list[dict[str, str]] = []
    tried = 0
    for k1, k2 in combinations([k for k in options if k in misread], 2):
        for c1, c2 in product(options[k1], options[k2]):
            tried += 1
            if tried > MAX_COMBINATIONS:
                return pairs, True
            if not ctx.failures(index, {k1: c1, k2: c2}, strict=True):
                pairs.append({k1: c1, k2: c2})
    return pairs, False


def _field_name(ctx: _Table, key: str) -> str:
    if key.startswith("component:"):
        return f"component:{ctx.knowledge.component_code(ctx.table.components[int(key.split(':')[1])].name)}"
    return {"total": "total_score", "percent": "score_pct_printed", "rank": "rank"}[key]


def _repair_row(ctx: _Table, index: int, doc_id: str, group: str) -> list[Issue]:
    """Apply the one reading that passes, or report the row as `low_confidence`.

    A total is not rewritten on the evidence of its pillars alone: Cao Bằng 2022 publishes
    Sở Y tế at 671.3 with pillars adding up to 671.8, and "671.8" is one 3/8 confusion away.
    A total changes only when a check independent of the pillars fails too (its maximum, the
    percent, the rank order, the tier) or it is not a number.
    """
    row = ctx.rows[index]
    fails = ctx.failures(index)
    implicated = set().union(*fails.values()) if fails else set()
    over_max = fails.get("max", set())  # an OCR'd value above its maximum is misread whatever tesseract's confidence
    doubtful = [
        k
        for k in ctx.keys
        if k in implicated
        and (_doubtful(row, k, ctx.convention, ctx.marks) or k in over_max and cell_confidence(row, k) < 1.0)
    ]
    if not doubtful:
        return _flag_involved(ctx, index, fails, doubtful, doc_id, group) if fails else []
    options = {
        k: candidate_readings(k, _get(row, k) or "", ctx.convention, ctx.places_of(k), ctx.confusions, ctx.marks)
        for k in doubtful
    }
    passing, cut_short = _passing(ctx, index, options, fails.get("unparseable", set()) | fails.get("max", set()))
    checks = ", ".join(sorted(fails))
    sum_only_total = len(passing) == 1 and "total" in passing[0] and set(fails) == {"sum"}
    if len(passing) == 1 and not sum_only_total and not cut_short:
        issues = []
        for key, reading in passing[0].items():
            printed = _get(row, key) or ""
            row = ctx.rows[index] = _with(row, key, reading)
            issues.append(
                Issue(
                    doc_id=doc_id,
                    code=IssueCode.OCR_CORRECTED,
                    severity="warning",
                    message=f"OCR read {_field_name(ctx, key)} of {row.name} as {printed!r}; {reading!r} is the only reading "
                    f"of the doubtful cells that makes the row's failing checks ({checks}) pass.",
                    group_code=group,
                    unit_name_raw=row.name,
                    field=_field_name(ctx, key),
                    printed=printed,
                    expected=reading,
                )
            )
        ctx.changed()
        return issues
    row = ctx.rows[index] = _distrusted(row)
    involved = _flag_involved(ctx, index, fails, doubtful, doc_id, group, lower=False)
    if not passing and set(doubtful) <= fails.get("unparseable", set()):
        return involved  # the unparseable_value error that parsing records says it all
    names = ", ".join(_field_name(ctx, k) for k in doubtful)
    issues = []
    for key in doubtful:
        readings = list(dict.fromkeys(combo[key] for combo in passing if key in combo))
        verdict = (
            "only the pillar sum speaks against the printed total, and documents do publish totals their pillars do not "
            f"add up to ({' + '.join(f'{_field_name(ctx, k)}={v}' for k, v in passing[0].items())} would pass)"
            if sum_only_total
            else f"{len(passing)} readings pass ({' | '.join(' + '.join(f'{_field_name(ctx, k)}={v}' for k, v in c.items()) for c in passing[:6])})"
            if passing
            else f"none of {sum(len(o) for o in options.values())} candidate readings makes them pass"
        )
        issues.append(
            Issue(
                doc_id=doc_id,
                code=IssueCode.LOW_CONFIDENCE,
                severity="error",
                message=f"{row.name}'s checks ({checks}) fail and its doubtful OCR cells ({names}) cannot be settled: {verdict}, so the OCR reading is kept.",
                group_code=group,
                unit_name_raw=row.name,
                field=_field_name(ctx, key),
                printed=_get(row, key),
                expected=" | ".join(readings) or None,
            )
        )
    return issues + involved


def involved_cells(ctx: _Table, index: int, fails: dict[str, set[str]]) -> list[str]:
    """Every OCR'd cell a failed check of the row involves, and the percent that agrees with a doubted total.

    A consistent pair of misreadings (722.92 and 72.29 for 722.52 and 72.25) passes the
    percent check and fails only the rank order: the percent is computed from the total, so
    when the total is in doubt a percent that agrees with it is in the same doubt. Cells
    taken from a text layer (confidence 1.0) are what the document prints and stay unflagged.
    """
    row = ctx.rows[index]
    keys = set().union(*fails.values())
    if "total" in keys and not is_missing(row.percent, ctx.marks):
        keys.add("percent")
    return [
        k
        for k in ctx.keys
        if k in keys
        and _get(row, k) is not None
        and not is_missing(_get(row, k), ctx.marks)
        and cell_confidence(row, k) < 1.0
    ]


def _flag_involved(
    ctx: _Table, index: int, fails: dict[str, set[str]], already: list[str], doc_id: str, group: str, lower: bool = True
) -> list[Issue]:
    """A `low_confidence` issue for each cell the row's unsettled checks involve that is not reported yet.

    OCR misreads with high confidence too; when the checks fail and no reading settles them,
    every value they involve may be the wrong one, so none of them enters the data unflagged.
    The tier label a tier check doubts is one of them.
    """
    row = ctx.rows[index]
    cells = [k for k in involved_cells(ctx, index, fails) if k not in already]
    tier_doubted = "tier" in fails and row.tier is not None and cell_confidence(row, "tier") < 1.0
    if not cells and not tier_doubted:
        return []
    if lower:
        row = ctx.rows[index] = _distrusted(row)
    checks = ", ".join(sorted(fails))
    issues = [
        Issue(
            doc_id=doc_id,
            code=IssueCode.LOW_CONFIDENCE,
            severity="warning",
            message=f"{row.name}'s checks ({checks}) fail and no reading of its OCR cells settles them; "
            f"{_field_name(ctx, key)} is one of the values they involve (read {_get(row, key)!r}), check it against the document.",
            group_code=group,
            unit_name_raw=row.name,
            field=_field_name(ctx, key),
            printed=_get(row, key),
        )
        for key in cells
    ]
    if tier_doubted:
        issues.append(
            Issue(
                doc_id=doc_id,
                code=IssueCode.LOW_CONFIDENCE,
                severity="warning",
                message=f"{row.name}'s tier {row.tier!r} does not fit its total by the tier check and no reading settles it; "
                "check the tier and the total against the document.",
                group_code=group,
                unit_name_raw=row.name,
                field="tier",
                printed=row.tier,
            )
        )
    return issues


class Repaired(NamedTuple):
    """A repaired copy of an OCR'd table and what the repair found."""

    table: RawTable
    issues: list[Issue]


def repair_ocr_table(
    table: RawTable,
    convention: Convention,
    max_score: float,
    component_max: list[float | None],
    tiers: tuple[Tier, ...] | None,
    doc_id: str,
    group: str,
    bundle: KnowledgeBundle | None = None,
) -> Repaired:
    """The OCR'd table with its misread cells repaired where the evidence allows exactly one reading.

    Pure: the table is frozen and the repair builds new rows, so `table` is unchanged and a second
    call gives the same answer (a row's confidence is lowered once). Called before the numbers are parsed, so the
    corrected strings flow through the usual parsing and checks. Rows whose own arithmetic
    fails are settled first: their repaired values are then trusted evidence for the rank and
    tier order of the others.
    """
    ctx = _Table(table, convention, max_score, component_max, tiers, bundle)
    failing = [i for i, row in enumerate(table.rows) if row.evaluated and ctx.failures(i)]
    failing.sort(key=lambda i: (not ctx.failures_local(i), i))
    issues: list[Issue] = []
    for index in failing:
        issues.extend(_repair_row(ctx, index, doc_id, group))
    return Repaired(dataclasses.replace(table, rows=tuple(ctx.rows)), issues)
