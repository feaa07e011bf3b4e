"""National rankings: a ministry's table of provinces (or of ministries) recognised by its units.

A provincial decision ranks a province's own departments; the ministry's national indexes rank
the provinces themselves, or the ministries, on a 0-1 scale. Which it is follows from the names
in the table (63 or 34 provinces, "Bộ ..."), not from words that both kinds of page share
("chuyển đổi số", "cấp tỉnh"). Such a document has no province of its own (`province` null), the
ministry as issuer, `source_kind` `web_table` when it came as a web page, and its groups are
`tinh` (provinces) or `bo` (ministries).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from normalizers.frameworks import Knowledge
from normalizers.knowledge import KnowledgeBundle, NationalFile, ProvincesFile, built, bundle_or_default
from normalizers.text import clean_printed, text_key
from schemas.raw import RawDocument, RawTable
from schemas.records import Records


@dataclass(frozen=True)
class _National:
    min_share: float
    province_prefixes: tuple[str, ...]
    ministry_prefixes: tuple[str, ...]
    ministry_level: frozenset[str]
    issuers: tuple[str, ...]
    default_issuer: str | None
    province_aliases: dict[str, str]


def _compile(raw: NationalFile) -> _National:
    return _National(
        raw.min_share,
        tuple(sorted((text_key(p) for p in raw.province_prefixes), key=len, reverse=True)),
        tuple(text_key(p) for p in raw.ministry_prefixes),
        frozenset(text_key(n) for n in raw.ministry_level),
        raw.issuers,
        raw.default_issuer,
        {text_key(k): str(v) for k, v in raw.province_aliases.items()},
    )


def _data(knowledge: KnowledgeBundle | None = None) -> _National:
    """national.yaml as this module applies it (the bundle's, validated at start)."""
    return built(bundle_or_default(knowledge).national, _compile)


def _keyed(data: ProvincesFile) -> dict[str, str]:
    return {text_key(name): name for name in data.provinces}


def _province_keys(knowledge: KnowledgeBundle | None = None) -> dict[str, str]:
    return built(bundle_or_default(knowledge).provinces, _keyed)


def province_of(name: str | None, bundle: KnowledgeBundle | None = None) -> str | None:
    """The province a national table's unit name is ("TP. Đà Nẵng" -> "Đà Nẵng", "Thừa Thiên - Huế", "TP.HCM").

    ``bundle``'s provinces.yaml and national.yaml (None: the default bundle's).
    """
    key = text_key(name)
    keys = _province_keys(bundle)
    data = _data(bundle)
    aliases = data.province_aliases
    candidates = [key] + [key[len(p) + 1 :] for p in data.province_prefixes if key.startswith(p + " ")]
    candidates += [key.replace(" ", "")]
    for candidate in candidates:
        if candidate in keys:
            return keys[candidate]
        if candidate in aliases and text_key(aliases[candidate]) in keys:
            return keys[text_key(aliases[candidate])]
    return None


def is_ministry(name: str | None, bundle: KnowledgeBundle | None = None) -> bool:
    key = text_key(name)
    data = _data(bundle)
    return bool(key) and (key in data.ministry_level or any(key.startswith(p + " ") for p in data.ministry_prefixes))


def unit_kind(table: RawTable, bundle: KnowledgeBundle | None = None) -> str | None:
    """`tinh` when the table ranks provinces, `bo` when it ranks ministries, else None."""
    names = [r.name for r in table.rows]
    if not names:
        return None
    share = _data(bundle).min_share
    if sum(province_of(n, bundle) is not None for n in names) >= share * len(names):
        return "tinh"
    if sum(is_ministry(n, bundle) for n in names) >= share * len(names):
        return "bo"
    return None


def issuer_named(text: str, bundle: KnowledgeBundle | None = None) -> str | None:
    key = text_key(text)
    data = _data(bundle)
    found = [(key.find(text_key(i)), i) for i in data.issuers if text_key(i) in key]
    return min(found)[1] if found else data.default_issuer


def as_national(
    doc: RawDocument, knowledge: Knowledge, source_kind: str, bundle: KnowledgeBundle | None = None
) -> RawDocument | None:
    """The document read as a national ranking, or None when its tables rank a province's own units."""
    kinds = {unit_kind(t, bundle) for t in doc.tables}
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is None:
        return None
    framework = knowledge.national_framework(kind, doc.text)
    if framework is None:
        framework = next(fw for fw in knowledge.frameworks.values() if fw.scope == "national" and fw.unit_kind == kind)
    tables = [replace(t, group_code=kind, group_title=clean_printed(t.group_title) or "") for t in doc.tables]
    return replace(
        doc,
        source_kind=source_kind,
        province=None,
        issuer=issuer_named(doc.text, bundle),
        framework=framework.code,
        tables=tables,
        group_maxima={},
        tier_rules=[],
    )


def scores_province(scores: Records, doc: RawDocument, bundle: KnowledgeBundle | None = None) -> Records:
    """A national ranking's province rows carry the ranked province, so they join that province's own decisions."""
    if doc.province is not None or not any(r["group_code"] == "tinh" for r in scores):
        return scores
    return tuple(
        r | {"province": province_of(r["unit_name_raw"], bundle)} if r["group_code"] == "tinh" else r for r in scores
    )
