"""Print a digest of the findings on a seeded synthetic municipality, per evaluator.

Run before and after a change that must not alter behaviour; equal digests mean byte-identical
findings (each finding's JSON, in check's order)::

    uv run python scripts/findings_fingerprint.py --citizens 200 --months 12
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import date

from erantis_domain.testing.synthetic import generate
from erantis_rules import check, durable_available


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 1, 15))
    parser.add_argument("--dump", help="also write the findings as JSON Lines to this file")
    args = parser.parse_args()
    lines = [
        json.dumps(event)
        for event in generate(
            citizens=args.citizens, start=args.start, months=args.months, seed=args.seed
        )
    ]
    evaluators = ["reference", "durable"] if durable_available() else ["reference"]
    for evaluator in evaluators:
        findings = check(lines, as_of=args.as_of, evaluator=evaluator)  # type: ignore[arg-type]
        text = "\n".join(json.dumps(finding.to_dict(), sort_keys=True) for finding in findings)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        print(f"{evaluator:9} events={len(lines)} findings={len(findings)} sha256={digest}")
        if args.dump:
            with open(f"{args.dump}.{evaluator}", "w", encoding="utf-8") as out:
                out.write(text + "\n")


if __name__ == "__main__":
    main()
