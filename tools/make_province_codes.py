"""Write normalizers/data/province_codes.yaml from the installed vietnamadminunits package.

Unit ids start with a short province code ("lci.so_y_te"). The codes must never change once
curated data holds them, so they are generated once into a data file (not computed at run
time) and reviewed there. Rule: the initials of the province's syllables plus the last letter
of its last syllable (Lào Cai → lci, Cao Bằng → cbg); a one-syllable name is itself (Huế →
hue); a collision takes the first two letters of the first syllable (Hậu Giang → hagg).
Existing codes in the file are kept. Run: ``.venv/bin/python tools/make_province_codes.py``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from normalizers.admin_units import load_admin_map
from normalizers.text import strip_diacritics, text_key

TARGET = Path(__file__).resolve().parents[1] / "normalizers" / "data" / "province_codes.yaml"


def proposed(name: str, taken: set[str]) -> str:
    syllables = strip_diacritics(text_key(name)).replace("đ", "d").split()
    if len(syllables) == 1:
        code = syllables[0]
    else:
        code = "".join(s[0] for s in syllables) + syllables[-1][-1]
    if code in taken:
        code = syllables[0][:2] + code[1:]
    if code in taken:
        raise SystemExit(f"no free code for {name}; choose one by hand in {TARGET.name}")
    return code


def main() -> None:
    admin = load_admin_map()
    kept: dict[str, str] = {}
    if TARGET.exists():
        kept = {row["gso_code"]: row["code"] for row in yaml.safe_load(TARGET.read_text(encoding="utf-8"))["provinces"]}
    taken = set(kept.values())
    rows = []
    for p in sorted(admin.legacy, key=lambda p: p.code):
        code = kept.get(p.code) or proposed(p.name, taken)
        taken.add(code)
        rows.append(f"  - {{gso_code: '{p.code}', code: {code}, name: {p.name}}}")
    header = [
        "# Short province codes that start every unit id (\"lci.so_y_te\"). Generated once by",
        "# tools/make_province_codes.py from the vietnamadminunits package "
        f"(version {admin.package_version}); keep a code",
        "# once curated data holds it. gso_code = the province's official code before 1 July 2025;",
        "# a 2025 province keeps the code of the old province whose name it took (Lào Cai: lci).",
        "# extra_names: other ways documents print the province (the package knows the current official name).",
    ]
    extra = [
        "extra_names:",
        "  Huế: [Thừa Thiên Huế, Thừa Thiên - Huế, Tỉnh Thừa Thiên Huế]",
        "  Hồ Chí Minh: [TP HCM, TP.HCM, Thành phố HCM, Sài Gòn]",
        "  Đắk Lắk: [Đăk Lăk, Dak Lak]",
        "  Đắk Nông: [Đăk Nông, Dak Nong]",
    ]
    TARGET.write_text("\n".join([*header, "", "provinces:", *rows, "", *extra]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
