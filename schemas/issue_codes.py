"""The issue catalogue: every code the pipeline can raise, with what it means.

Modelled on frictionless-py's `errors/` (a type, a title, a template, tags saying what the
error is about): an issue code is a member of `IssueCode`, which carries the severities it
may have (the first is the usual one), its scope (what it is about: the whole document, a
table, a row or one cell), what the issue's `field` names, and a one-line meaning. A code
outside the catalogue cannot be constructed (`Issue` converts and checks it), the curated
schema admits only the catalogue's values and CONTRACT.md documents every member (a test).
Parquet stores the plain string value.
"""

from __future__ import annotations

from enum import StrEnum

SEVERITIES = ("error", "warning", "info")  # error: value not trusted; warning: kept, noted; info: why confidence < 1
SCOPES = ("document", "table", "row", "cell")


class IssueCode(StrEnum):
    """One stable issue code. `IssueCode("pct_mismatch")` looks a code up by its value."""

    severities: tuple[str, ...]
    scope: str
    field_meaning: str
    meaning: str

    def __new__(
        cls, value: str, severities: tuple[str, ...], scope: str, field_meaning: str, meaning: str
    ) -> IssueCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.severities = severities
        member.scope = scope
        member.field_meaning = field_meaning
        member.meaning = meaning
        return member

    @property
    def severity(self) -> str:
        """The usual severity (where a code has several, the others are named in `severities`)."""
        return self.severities[0]

    # cross-checks of the document's own arithmetic (normalizers/checks.py)
    COMPONENT_SUM_MISMATCH = (
        "component_sum_mismatch",
        ("warning",),
        "row",
        "total_score",
        "the component scores do not add up to the printed total",
    )
    PCT_MISMATCH = (
        "pct_mismatch",
        ("warning",),
        "row",
        "score_pct_printed",
        "the printed percentage is not total / maximum with the document's rounding",
    )
    TIER_INCONSISTENT = (
        "tier_inconsistent",
        ("warning",),
        "row",
        "tier",
        "the printed tier disagrees with the thresholds or with the order of scores",
    )
    RANK_ORDER = (
        "rank_order",
        ("warning",),
        "row",
        "rank",
        "a higher rank has a lower score, or one rank is printed for different scores",
    )
    AVERAGE_MISMATCH = (
        "average_mismatch",
        ("warning",),
        "row",
        "average (the average row's label is unit_name_raw)",
        "a printed average is not the mean of its group's rows",
    )
    TOTAL_EXCEEDS_MAX = ("total_exceeds_max", ("error",), "row", "total_score", "a total outside 0..maximum")
    COMPONENT_EXCEEDS_MAX = (
        "component_exceeds_max",
        ("error",),
        "cell",
        "component:<code>",
        "a component score outside 0..its maximum",
    )
    # typing the printed values (normalizers/scores.py, normalizers/ocr_repair.py)
    COMPONENT_MAX_MISMATCH = (
        "component_max_mismatch",
        ("warning", "error"),
        "table",
        "component_max",
        "the component maxima do not add up to the group's maximum (an error on a scan)",
    )
    MAX_UNREADABLE = (
        "max_unreadable",
        ("warning", "error"),
        "table",
        "component_max:<code> or max_score",
        "a maximum could not be read; the framework's default is used or it is left empty",
    )
    MAX_ASSUMED = (
        "max_assumed",
        ("info",),
        "table",
        "max_score",
        "no maximum is printed for the group: the framework's is assumed, and its percents and tiers rest on it",
    )
    SCALE_FROM_VALUES = (
        "scale_from_values",
        ("warning",),
        "table",
        "max_score",
        "no maximum is printed and every total is at most 1 on a framework of more points: read as a 0-1 index",
    )
    MAX_FROM_FRAMEWORK = (
        "max_from_framework",
        ("warning",),
        "table",
        "component_max:<code>",
        "an illegible component maximum taken from the framework edition the header's components name",
    )
    UNKNOWN_TIER = ("unknown_tier", ("warning",), "row", "tier", "a printed tier that is not a tier of the framework")
    UNPARSEABLE_VALUE = (
        "unparseable_value",
        ("error",),
        "cell",
        "the value's column, e.g. total_score, component:<code>",
        "a value that is printed but is not a number",
    )
    RANK_OUT_OF_RANGE = (
        "rank_out_of_range",
        ("error",),
        "cell",
        "rank",
        "a printed rank no ranking of the document can have; the rank is null",
    )
    OCR_CORRECTED = (
        "ocr_corrected",
        ("warning",),
        "cell",
        "the corrected value's column, e.g. total_score, unit_name_raw",
        "an OCR misreading replaced by the only reading every check allows; `printed` keeps the reading",
    )
    LOW_CONFIDENCE = (
        "low_confidence",
        ("warning", "error", "info"),
        "cell",
        "the doubted value's column, or confidence",
        "a cell read by OCR with low confidence that no check corroborates",
    )
    # why a row's confidence is below 1 when nothing doubted it (pipeline/issue_list.py)
    OCR_READ = (
        "ocr_read",
        ("info",),
        "row",
        "confidence",
        "the row was read by OCR (confidence below 1) and no check doubted it",
    )
    SECONDARY_SOURCE = (
        "secondary_source",
        ("info",),
        "row",
        "confidence",
        "the row comes from a news article, a secondary source",
    )
    # units (pipeline/assemble.py)
    UNRESOLVED_UNIT = (
        "unresolved_unit",
        ("warning",),
        "row",
        "unit_id",
        "the unit name matches no registry unit with confidence (`dti units review`)",
    )
    GROUP_UNIT_MISMATCH = (
        "group_unit_mismatch",
        ("warning",),
        "row",
        "unit_id",
        "the row's unit is of a type its group cannot hold (a department among districts): the group or the name is misread",
    )
    MOSTLY_UNRESOLVED = (
        "mostly_unresolved",
        ("warning",),
        "table",
        "unit_id",
        "most names of a table match no registry unit but look like public bodies; kept, lower confidence",
    )
    TABLE_WITHHELD = (
        "table_withheld",
        ("error",),
        "table",
        "none",
        "a table not published: its names are neither registry units nor public bodies",
    )
    # what the document says about itself (extractors, pipeline/process.py)
    SOURCE_CONTRADICTION = (
        "source_contradiction",
        ("warning",),
        "document",
        "none",
        "the document's prose contradicts itself or its table (e.g. two counts of one group)",
    )
    TABLE_CUT = (
        "table_cut",
        ("warning",),
        "document",
        "none",
        "a web page ends inside a table; the rows after the cut are missing",
    )
    TABLE_SKIPPED = (
        "table_skipped",
        ("warning",),
        "table",
        "none",
        "a weekly report table that no known table spec matches; its rows are not published",
    )
    # several readings of one decision (pipeline/readings.py)
    READING_DISAGREES = (
        "reading_disagrees",
        ("warning",),
        "cell",
        "the compared value: total_score, score_pct_printed, rank, tier, evaluated or a component code",
        "another reading of the same decision prints a different value; the other reading is published",
    )
    READING_UNIT_MISSING = (
        "reading_unit_missing",
        ("warning",),
        "row",
        "unit_name_raw",
        "a unit one reading of a decision lists and another lacks",
    )


_BY_VALUE: dict[str, IssueCode] = {member.value: member for member in IssueCode}


def issue_code(value: str | IssueCode) -> IssueCode:
    """The catalogue member of a code, or a ValueError naming the unknown code."""
    try:
        return _BY_VALUE[str(value)]
    except KeyError:
        raise ValueError(f"{value!r} is not an issue code of schemas/issue_codes.py") from None
