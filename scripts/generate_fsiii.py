"""Regenerate ``src/erantis_domain/fsiii_codes.json`` from the national FSIII code list.

Usage: ``uv run python scripts/generate_fsiii.py [data/fsiii/fsiii-codes.csv]``

Only the letter-code hierarchies erantis' event contract uses are shipped: J (functional
conditions), I (nursing conditions), H (home-care interventions), G (nursing interventions) and
E (follow-up outcomes). ``tests/test_fsiii.py`` fails when the shipped file is stale.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "fsiii" / "fsiii-codes.csv"
TARGET = ROOT / "src" / "erantis_domain" / "fsiii_codes.json"
VERSION = "20240530"
SYSTEM = "urn:oid:1.2.208.176.2.21"
LETTER_CODE = re.compile(r"^[JIHGE]\d+(\.\d+)?$")


def build(source: Path = SOURCE) -> str:
    codes: dict[str, str] = {}
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if LETTER_CODE.match(row["code"]):
                codes[row["code"]] = row["display"]

    def order(code: str) -> tuple[str, int, int]:
        head, _, tail = code.partition(".")
        return (head[0], int(head[1:]), int(tail) if tail else -1)

    payload = {
        "system": SYSTEM,
        "version": VERSION,
        "codes": {code: codes[code] for code in sorted(codes, key=order)},
    }
    return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    TARGET.write_text(build(source), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
