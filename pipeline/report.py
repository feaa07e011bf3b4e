"""`dti report`: one self-contained HTML file an officer opens in any browser, offline.

Charts are inline SVG (pipeline.charts; text stays text, in DejaVu Sans, so Vietnamese
diacritics render with the fonts Debian has); there is no script and nothing is fetched. Per document: the ranking tables as published, tiers coloured,
every doubted value marked with its issue; per group a bar chart with the tier thresholds; per
unit its history through lineage; the issues with file and page; the run summary; the parsing
report per table.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from normalizers.knowledge import KnowledgeBundle, bundle_or_default
from pipeline.charts import bar_chart, history_chart
from pipeline.database import current_units
from pipeline.issue_list import row_key
from schemas.curated import TABLES

REPORT_FILE = "report.html"
TIER_COLOURS = {
    "dan_dat": "#1a9850",
    "tot": "#1a9850",
    "nang_cao": "#91cf60",
    "kha": "#91cf60",
    "hinh_thanh": "#fee08b",
    "trung_binh": "#fee08b",
    "khoi_dong": "#fc8d59",
    "yeu": "#fc8d59",
}
TABLE_NAMES = tuple(TABLES)  # every curated table, as the schema names them

_CSS = """
body { font-family: 'DejaVu Sans', 'Noto Sans', Arial, sans-serif; margin: 1.5em; color: #222; font-size: 14px; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #ccc; margin-top: 2em; } h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #bbb; padding: 2px 6px; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.doubt { outline: 2px solid #d73027; background: #fde0dc; }
td.note { background: #eef5fb; } td.note a { color: #2166ac; font-size: .8em; vertical-align: super; text-decoration: none; }
td.doubt a { color: #b2182b; font-size: .8em; vertical-align: super; text-decoration: none; }
tr.sev-error td:first-child { border-left: 4px solid #d73027; }
tr.sev-warning td:first-child { border-left: 4px solid #fc8d59; }
tr.sev-info td:first-child { border-left: 4px solid #91bfdb; }
.tier { padding: 0 4px; border-radius: 3px; }
.muted { color: #777; } nav a { margin-right: 1em; }
.chart svg { max-width: 100%; height: auto; }
"""


def read_curated(curated: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The curated tables the report and exports use, and run.json."""
    frames = {
        name: pd.read_parquet(curated / f"{name}.parquet")
        for name in TABLE_NAMES
        if (curated / f"{name}.parquet").exists()
    }
    run_path = curated / "run.json"
    run = json.loads(run_path.read_text(encoding="utf-8")) if run_path.exists() else {}
    return frames, run


def vn_number(value, places: int | None = None) -> str:
    """A number the Vietnamese way: decimal comma, thousands with a dot ("1.000", "731,61")."""
    if value is None or pd.isna(value):
        return ""
    text = f"{value:,.{places}f}" if places is not None else f"{value:,.10g}" if abs(value) < 1e15 else str(value)
    if places is None and "e" in text:
        text = f"{value:,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _e(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def _tier_span(code, printed=None) -> str:
    if code is None or pd.isna(code):
        return _e(printed)
    colour = TIER_COLOURS.get(code, "#ddd")
    return f'<span class="tier" style="background:{colour}">{_e(printed if printed is not None and not pd.isna(printed) else code)}</span>'


def group_chart(rows: pd.DataFrame, thresholds: list[tuple[str, float]]) -> str:
    """Bars of score percent per unit in rank order, coloured by tier, with the tier thresholds."""
    ordered = rows.sort_values(["rank", "score_pct"], ascending=[True, False], na_position="last", kind="stable")
    bars = [
        (r.unit_name_raw, float(r.score_pct), r.tier if isinstance(r.tier, str) else "")
        for r in ordered.itertuples()
        if pd.notna(r.score_pct)
    ]
    return bar_chart(bars, TIER_COLOURS, thresholds, "% điểm tối đa / % of maximum") if bars else ""


def unit_history_chart(history: pd.DataFrame) -> str:
    """Score percent across years per current unit (small multiples), one SVG for a province."""
    series: dict[str, list[tuple[int, float, str]]] = {}
    for r in history.itertuples():
        if pd.notna(r.score_pct):
            series.setdefault(r.current_unit_name, []).append((int(r.assessment_year), float(r.score_pct), r.framework))
    return history_chart(series) if series else ""


def _thresholds(framework: str, knowledge: KnowledgeBundle | None = None) -> list[tuple[str, float]]:
    fw = bundle_or_default(knowledge).frameworks.frameworks.get(framework)
    if fw is None or not fw.thresholds_known:
        return []
    return sorted({(t.code, float(t.pct_gt)) for t in fw.tiers if t.pct_gt is not None}, key=lambda t: t[1])


def _doubts(issues: pd.DataFrame) -> dict[tuple, list[pd.Series]]:
    """Issues by (doc, group, unit, column shown), so each doubted cell carries its issues."""
    columns = {
        "total_score": "total_score",
        "score_pct_printed": "score_pct",
        "tier": "tier",
        "rank": "rank",
        "unit_id": "unit",
        "unit_name_raw": "unit",
        "confidence": "confidence",
    }
    out: dict[tuple, list[pd.Series]] = {}
    for _, issue in issues.iterrows():
        field = issue["field"] if pd.notna(issue["field"]) else ""
        column = columns.get(field, "components" if field.startswith("component:") else "unit")
        key = (issue["doc_id"], row_key(issue["group_code"]), row_key(issue["unit_name_raw"]), column)
        out.setdefault(key, []).append(issue)
    return out


def _cell(content: str, doubts: list[pd.Series] | None, num: bool = False) -> str:
    """A cell; one an error or warning names is marked as doubted, one only an `info` issue names as noted."""
    doubted = any(i["severity"] != "info" for i in doubts or [])
    classes = (["num"] if num else []) + (["doubt"] if doubted else ["note"] if doubts else [])
    cls = f' class="{" ".join(classes)}"' if classes else ""
    if not doubts:
        return f"<td{cls}>{content}</td>"
    marks = " ".join(
        f'<a href="#issue-{_e(i["issue_id"])}" title="{_e(i["code"])}: {_e(i["message"])}">[{_e(i["code"])}]</a>'
        for i in doubts
    )
    return f"<td{cls}>{content} {marks}</td>"


def _ranking_table(doc_id: str, group: str, rows: pd.DataFrame, comps: pd.DataFrame, doubts: dict) -> str:
    comp_codes = list(dict.fromkeys(comps["component_code"])) if len(comps) else []
    comp_names = dict(zip(comps["component_code"], comps["component_name"])) if len(comps) else {}
    head = ["Hạng / rank", "Đơn vị (như in) / unit as printed", "Mã đơn vị / unit_id"]
    comp_max = dict(zip(comps["component_code"], comps["component_max"])) if len(comps) else {}
    head += [f"{_e(comp_names.get(c, c))} <span class=muted>({vn_number(comp_max.get(c))})</span>" for c in comp_codes]
    head += [
        "Tổng điểm / total",
        "Tối đa / max",
        "% tối đa / %",
        "Mức / tier",
        "Độ tin cậy / confidence",
        "Nguồn giá trị / value source",
    ]
    out = ['<table class="ranking"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    by_unit = {u: g for u, g in comps.groupby("unit_name_raw", sort=False)} if len(comps) else {}
    for r in rows.itertuples():
        key = (doc_id, row_key(group), row_key(r.unit_name_raw))
        cells = [
            _cell(_e(r.rank), doubts.get(key + ("rank",)), True),
            _cell(_e(r.unit_name_raw), doubts.get(key + ("unit",))),
            f"<td>{_e(r.unit_id)}</td>",
        ]
        mine = by_unit.get(r.unit_name_raw)
        scores = dict(zip(mine["component_code"], mine["score"])) if mine is not None else {}
        comp_doubts = doubts.get(key + ("components",)) or []
        for c in comp_codes:
            these = [i for i in comp_doubts if i["field"] == f"component:{c}"]
            cells.append(_cell(vn_number(scores.get(c)), these, True))
        cells += [
            _cell(vn_number(r.total_score), doubts.get(key + ("total_score",)), True),
            f'<td class="num">{vn_number(r.max_score)}</td>',
            _cell(vn_number(r.score_pct, 2), doubts.get(key + ("score_pct",)), True),
            _cell(_tier_span(r.tier, r.tier_printed), doubts.get(key + ("tier",))),
            _cell(vn_number(r.confidence), doubts.get(key + ("confidence",)), True),
            f"<td>{_e(r.value_source)}</td>",
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _frame_table(frame: pd.DataFrame, columns: list[tuple[str, str]], row_class=None, row_id=None) -> str:
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(label)}</th>" for _, label in columns) + "</tr></thead><tbody>"]
    for _, r in frame.iterrows():
        cls = f' class="{row_class(r)}"' if row_class else ""
        rid = f' id="{row_id(r)}"' if row_id else ""
        tds = []
        for name, _ in columns:
            v = r[name]
            if isinstance(v, float) and not pd.isna(v):
                tds.append(f'<td class="num">{vn_number(v)}</td>')
            else:
                tds.append(f"<td>{_e(v)}</td>")
        out.append(f"<tr{cls}{rid}>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _summary(run: dict) -> str:
    if not run:
        return "<p class=muted>No run.json in this folder.</p>"
    items = [
        ("Phiên bản / version", run.get("version")),
        ("Hoàn thành lúc / finished at", run.get("finished_at")),
        (
            "Văn bản theo trạng thái / documents by status",
            ", ".join(f"{k}: {v}" for k, v in run.get("documents_by_status", {}).items()),
        ),
        (
            "Vấn đề theo mức độ / issues by severity",
            ", ".join(f"{k}: {v}" for k, v in run.get("issues_by_severity", {}).items()),
        ),
        ("Tên chưa xác định / unresolved names", run.get("unresolved_units")),
        ("Trích xuất / extracted, từ bộ nhớ đệm / from cache", f"{run.get('extracted')}, {run.get('from_cache')}"),
        ("Đánh giá đã áp dụng / reviews applied", run.get("reviews_applied")),
        ("Số dòng / rows", ", ".join(f"{k}: {v}" for k, v in run.get("rows", {}).items())),
    ]
    out = "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in items) + "</table>"
    if run.get("quarantined"):
        out += (
            "<h3>Tệp bị cách ly / quarantined files</h3><ul>"
            + "".join(f"<li><b>{_e(q['file_name'])}</b>: {_e(q['error'])}</li>" for q in run["quarantined"])
            + "</ul>"
        )
    return out


def unit_history(scores: pd.DataFrame, units: pd.DataFrame, lineage: pd.DataFrame) -> pd.DataFrame:
    """Every resolved score row with its current unit through lineage, one reading per unit-year-framework."""
    current = current_units(units, lineage)
    rows = scores.dropna(subset=["unit_id"]).merge(current, on="unit_id", how="left")
    rows["current_unit_id"] = rows["current_unit_id"].fillna(rows["unit_id"])
    rows["current_unit_name"] = rows["current_unit_name"].fillna(rows["unit_name"])
    rows = rows.sort_values(
        ["current_unit_id", "assessment_year", "framework", "confidence"],
        ascending=[True, True, True, False],
        kind="stable",
    )
    return rows.drop_duplicates(["unit_id", "assessment_year", "framework"]).reset_index(drop=True)


def render_report(frames: dict[str, pd.DataFrame], run: dict, knowledge: KnowledgeBundle | None = None) -> str:
    """The whole report as one HTML string (tier thresholds from ``knowledge``'s frameworks, None: the default)."""
    docs, scores, comps, issues = frames["documents"], frames["scores"], frames["components"], frames["issues"]
    # each document's tables as it printed them: its own reading, published as the fact or not
    read, read_comps = frames.get("readings", scores), frames.get("component_readings", comps)
    tables = frames.get("tables", pd.DataFrame())
    doubts = _doubts(issues)
    parts = [
        "<!DOCTYPE html><html lang=vi><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        f"<title>Báo cáo dữ liệu DTI / dti report {_e(run.get('version', ''))}</title><style>{_CSS}</style></head><body>",
        f"<h1>Báo cáo xếp hạng chuyển đổi số / dti report</h1><p class=muted>Phiên bản / version {_e(run.get('version', ''))}</p>",
        "<nav><a href='#summary'>Tóm tắt / summary</a><a href='#documents'>Văn bản / documents</a>"
        "<a href='#history'>Lịch sử / history</a><a href='#issues'>Vấn đề / issues</a><a href='#tables'>Bảng / parsing report</a></nav>",
        "<h2 id=summary>Tóm tắt lần chạy / run summary</h2>",
        _summary(run),
        "<h2 id=documents>Văn bản và bảng xếp hạng / documents and rankings</h2>",
    ]
    for doc in docs[docs["status"] == "ok"].itertuples():
        rows = read[read["doc_id"] == doc.doc_id]
        if rows.empty:
            continue
        parts.append(
            f"<h3 id='doc-{_e(doc.doc_id)}'>{_e(doc.file_name)}</h3><p>{_e(doc.province)} · {_e(doc.issuer)} · "
            f"{_e(doc.decision_number)} · {_e(doc.decision_date)} · năm đánh giá / assessment year {_e(doc.assessment_year)} · "
            f"{_e(doc.framework)} · {_e(doc.source_kind)} ({_e(doc.text_source)})</p>"
        )
        for group, grows in rows.groupby("group_code", sort=False):
            title = grows["group_title"].iloc[0]
            parts.append(
                f"<h4>{_e(title) or _e(group)} <span class=muted>({_e(group)}, tối đa / max {vn_number(grows['max_score'].iloc[0])})</span></h4>"
            )
            thresholds = _thresholds(grows["framework"].iloc[0], knowledge)
            chart = group_chart(grows, thresholds)
            if chart:
                parts.append(f"<div class=chart>{chart}</div>")
                if not thresholds:
                    parts.append(
                        "<p class=muted>Ngưỡng mức của bộ chỉ số này không được công bố; mức như in. / "
                        "This framework's tier thresholds are not known; tiers as printed.</p>"
                    )
            gcomps = read_comps[(read_comps["doc_id"] == doc.doc_id) & (read_comps["group_code"] == group)]
            if "chosen" in grows and not grows["chosen"].all():
                parts.append(
                    "<p class=muted>Một văn bản khác đọc quyết định này tốt hơn; bảng dưới là cách đọc của văn bản này / "
                    "another document reads this decision better; below is this document's own reading</p>"
                )
            parts.append(_ranking_table(doc.doc_id, group, grows, gcomps, doubts))
    parts.append("<h2 id=history>Lịch sử theo đơn vị (qua sáp nhập, đổi tên) / unit history through lineage</h2>")
    history = unit_history(scores, frames["units"], frames["unit_lineage"])
    for province, prows in history.groupby("province", sort=True):
        parts.append(f"<h3>{_e(province)}</h3>")
        several = prows.groupby("current_unit_id")["assessment_year"].transform("nunique") > 1
        chart = unit_history_chart(prows[several])
        if chart:
            parts.append(f"<div class=chart>{chart}</div>")
        parts.append(
            _frame_table(
                prows,
                [
                    ("current_unit_name", "Đơn vị hiện nay / current unit"),
                    ("assessment_year", "Năm / year"),
                    ("framework", "Bộ chỉ số / framework"),
                    ("unit_name_raw", "Tên như in / as printed"),
                    ("score_pct", "% tối đa / score %"),
                    ("rank", "Hạng / rank"),
                    ("tier", "Mức / tier"),
                ],
            )
        )
    parts.append(f"<h2 id=issues>Vấn đề cần xem xét / issues ({len(issues)})</h2>")
    ordered = issues.assign(_s=issues["severity"].map({"error": 0, "warning": 1, "info": 2})).sort_values(
        ["_s", "file_name", "source_page"], kind="stable"
    )
    parts.append(
        _frame_table(
            ordered,
            [
                ("issue_id", "Mã / issue_id"),
                ("file_name", "Tệp / file"),
                ("source_page", "Trang / page"),
                ("severity", "Mức độ / severity"),
                ("code", "Loại / code"),
                ("status", "Trạng thái / status"),
                ("unit_name_raw", "Đơn vị / unit"),
                ("field", "Trường / field"),
                ("message", "Giải thích / explanation"),
                ("printed", "Như in / printed"),
                ("expected", "Mong đợi / expected"),
            ],
            row_class=lambda r: f"sev-{r['severity']}",
            row_id=lambda r: f"issue-{r['issue_id']}",
        )
    )
    parts.append("<h2 id=tables>Báo cáo đọc bảng / parsing report per table</h2>")
    if len(tables):
        names = dict(zip(docs["doc_id"], docs["file_name"]))
        shown = tables.assign(file_name=tables["doc_id"].map(names))
        parts.append(
            _frame_table(
                shown,
                [
                    ("file_name", "Tệp / file"),
                    ("page", "Trang / page"),
                    ("table_index", "Bảng / table"),
                    ("group_code", "Nhóm / group"),
                    ("layout", "Bố cục / layout"),
                    ("rows", "Dòng / rows"),
                    ("columns", "Cột / columns"),
                    ("checks_run", "Kiểm tra đã chạy / checks run"),
                    ("checks_passed", "Đạt / passed"),
                    ("mean_confidence", "Độ tin cậy TB / mean confidence"),
                ],
            )
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(curated: Path, out: Path | None = None) -> Path:
    """Render the report of a curated folder to `out` (default: <curated>/report.html)."""
    frames, run = read_curated(curated)
    target = out or curated / REPORT_FILE
    target.write_text(render_report(frames, run), encoding="utf-8")
    return target
