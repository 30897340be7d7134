"""Write the bad-input corpus: ``uv run python tests/data/bad/generate.py``.

Each ``<class>.jsonl`` file holds one case a line::

    {"class": "...", "id": "...", "exercises": "what the case tries", "canaries": ["..."],
     "text": "...", "repeat": {"at": 12, "text": "[", "times": 3000}}

``text`` is the exact input when it is UTF-8; otherwise ``hex`` holds its bytes (so non-UTF-8
input is data too). ``repeat`` (optional) inserts ``text`` ``times`` times at byte offset
``at`` of the input (long inputs stay small on disk).
``canaries`` are strings of the input that must never appear in an error message (CPR-like
values and field names); every case must be rejected with a coded error. The corpus is
deterministic: running the script again gives the same files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.factories import make  # noqa: E402

Case = dict[str, Any]
_counter = 0


def base(kind: str, **overrides: Any) -> dict[str, Any]:
    """A valid event with a deterministic event id."""
    global _counter
    _counter += 1
    event_id = str(uuid5(NAMESPACE_URL, f"erantis-bad-corpus/{_counter}"))
    return make(kind, **{"event_id": event_id, **overrides})


def text_case(
    case_id: str, exercises: str, text: str | bytes, canaries: tuple[str, ...] = ()
) -> Case:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    case: Case = {"id": case_id, "exercises": exercises, "canaries": list(canaries)}
    try:
        case["text"] = data.decode("utf-8")
    except UnicodeDecodeError:
        case["hex"] = data.hex()
    return case


def event_case(case_id: str, exercises: str, data: Any, canaries: tuple[str, ...] = ()) -> Case:
    return text_case(case_id, exercises, json.dumps(data, ensure_ascii=False), canaries)


def coercion() -> list[Case]:
    """Wrong JSON types that a lax parser would coerce."""
    out: list[Case] = []
    wrong: dict[tuple[str, str], list[Any]] = {
        ("VisitDelivered", "minutes"): [True, False, "30", 30.0, 3e1, "3e1", "0x1e", [30], {}],
        ("TimeAdjustedByTeam", "delta_minutes"): [True, "-15", -15.0, "15 "],
        ("RehabilitationCourseStarted", "planned_weeks"): [True, "12", 12.0],
        ("PeriodSettled", "granted_minutes"): [True, "1000", 1000.0],
        ("VisitationGranted", "complaint_guidance"): ["yes", 1, 0, "true", "1", "no"],
        ("RehabilitationPotentialAssessed", "has_potential"): ["yes", 1, "false"],
        ("NursingTaskDelegated", "competence_verified"): [1, "true", "ja"],
        ("CaseOpened", "schema_version"): [True, "1", 1.0],
        ("VisitationGranted", "schema_version"): [True, "2", 2.0],
        ("VisitDelivered", "occurred_at"): [
            1700000000,
            1.7e9,
            "1700000000",
            "2026-10-01",
            "2026-10-01T10:00:00",
            True,
        ],
        ("VisitDelivered", "delivered_on"): [20261002, "2026/10/02", "02-10-2026", True],
        ("VisitationGranted", "valid_from"): [20261001, "2026-10-01T00:00:00+00:00", 1.5],
        ("CaseOpened", "event_id"): [123, True, "not-a-uuid"],
        ("CaseOpened", "team_id"): [42, True, None, 4.2],
        ("VisitDelivered", "carer_role"): [1, True, "SSH"],
    }
    for (kind, field), values in wrong.items():
        for number, value in enumerate(values):
            out.append(
                event_case(
                    f"coerce-{kind}-{field}-{number}",
                    f"{kind}.{field} given {json.dumps(value)} (a lax parser coerces it)",
                    base(kind, **{field: value}),
                )
            )
    frames = [{"intervention": "H1.1", "minutes": "180", "per": "week"}]
    out.append(
        event_case(
            "coerce-frame-minutes-string",
            "a frame's minutes as a string, nested",
            base("VisitationGranted", frames=frames),
        )
    )
    scores = [{"condition": "J1.1", "score": 2.0}]
    out.append(
        event_case(
            "coerce-score-float",
            "a functional score as a float",
            base("FunctionalAbilityAssessed", scores=scores),
        )
    )
    return out


def duplicates() -> list[Case]:
    """Duplicate field names: last-wins would pick one value silently."""
    out: list[Case] = []
    event = base("VisitDelivered")
    body = json.dumps(event)[1:-1]
    for field, value in [
        ("minutes", 999),
        ("minutes", 30),
        ("type", "CaseClosed"),
        ("case_id", "case-2"),
        ("event_id", "00000000-0000-4000-8000-000000000001"),
        ("delivered_on", "2026-10-03"),
        ("0101701234", 1),
    ]:
        canaries = ("0101701234",) if field[0].isdigit() else ()
        text = f"{{{json.dumps(field)}: {json.dumps(value)}, {body}, {json.dumps(field)}: 1}}"
        out.append(text_case(f"duplicate-{field}-{value}", f"field {field} twice", text, canaries))
    nested = json.dumps(base("CaseOpened")).replace(
        '"role": "visitator"', '"role": "visitator", "role": "system"'
    )
    out.append(text_case("duplicate-nested-role", "recorded_by.role twice", nested))
    frame = json.dumps(base("VisitationGranted")).replace(
        '"per": "week"', '"per": "week", "per": "month"'
    )
    out.append(text_case("duplicate-in-list-item", "a frame's per twice", frame))
    return out


def repeat_case(
    case_id: str, exercises: str, prefix: str, text: str, times: int, suffix: str
) -> Case:
    case = text_case(case_id, exercises, prefix + suffix)
    case["repeat"] = {"at": len(prefix.encode()), "text": text, "times": times}
    return case


def sizes() -> list[Case]:
    """Inputs too deep, too long or too many."""
    event = base("CaseClosed")
    body = json.dumps(event)[1:-1]
    visit = json.dumps(base("VisitDelivered"))
    out = [
        repeat_case("deep-array-3000", "3,000 nested [", "", "[", 3000, ""),
        repeat_case("deep-array-closed-3000", "3,000 nested [] closed", "", "[", 3000, "]" * 3000),
        repeat_case("deep-object-3000", '3,000 nested {"a":', "", '{"a":', 3000, "1" + "}" * 3000),
        repeat_case(
            "deep-in-field",
            "3,000 nested [ inside the reason field",
            "{" + body + ', "reason": ',
            "[",
            3000,
            "]" * 3000 + "}",
        ),
        repeat_case(
            "deep-in-goals",
            "nesting 20 deep inside goals (under the recursion limit)",
            json.dumps(base("VisitationGranted"))[:-1] + ', "goals": ',
            "[",
            20,
            "]" * 20 + "}",
        ),
        repeat_case(
            "long-line",
            "a 300 KB reason (line longer than the bound)",
            "{" + body + ', "reason": "',
            "x",
            300_000,
            '"}',
        ),
        repeat_case(
            "long-field-name-1mb",
            "an unknown field with a 1 MB name",
            "{" + body + ', "',
            "n",
            1_000_000,
            '": 1}',
        ),
        repeat_case(
            "long-field-name-200",
            "an unknown field with a 200-character name",
            "{" + body + ', "',
            "n",
            200,
            '": 1}',
        ),
        repeat_case(
            "long-string-20000",
            "a 20,000-character reason (over the string bound)",
            "{" + body.replace('"reason": "Fraflyttet kommunen", ', "") + ', "reason": "',
            "y",
            20_000,
            '"}',
        ),
        repeat_case(
            "long-id-200",
            "a 200-character case id",
            "{" + body.replace('"case_id": "case-1", ', "") + ', "case_id": "',
            "c",
            200,
            '"}',
        ),
        repeat_case(
            "long-number",
            "an integer of 5,000 digits (Python refuses to convert it)",
            visit[: visit.index(": 30,") + 2],
            "9",
            5_000,
            visit[visit.index(": 30,") + 4 :],
        ),
        repeat_case(
            "many-goals",
            "a list of 1,000 goals",
            json.dumps(base("VisitationGranted"))[:-1] + ', "goals": [',
            '"g", ',
            1000,
            '"g"]}',
        ),
        repeat_case(
            "many-fields",
            "an object of 200 unknown fields (names are duplicates too)",
            "{" + body,
            ', "x": 1',
            200,
            "}",
        ),
    ]
    for exponent in ("1e400", "-1e400", "NaN", "Infinity", "-Infinity"):
        text = json.dumps(base("VisitDelivered")).replace('"minutes": 30', f'"minutes": {exponent}')
        out.append(text_case(f"number-{exponent}", f"minutes {exponent}", text))
    return out


def dates() -> list[Case]:
    """Dates and periods outside the sane range, or in other scripts."""
    out: list[Case] = []
    for value in ["0001-01-01", "0000-12-31", "1899-12-31", "2200-01-01", "9999-12-31"]:
        out.append(
            event_case(
                f"date-delivered-{value}",
                f"delivered_on {value}",
                base("VisitDelivered", delivered_on=value),
            )
        )
        out.append(
            event_case(
                f"date-occurred-{value}",
                f"occurred_at on {value}",
                base("CaseOpened", occurred_at=f"{value}T10:00:00+00:00"),
            )
        )
    out.append(
        event_case(
            "date-follow-up-year-1",
            "follow_up_due in year 1 (overflows date arithmetic downstream)",
            base("VisitationGranted", follow_up_due="0001-01-01"),
        )
    )
    out.append(
        event_case(
            "date-valid-until-9999",
            "valid_until 9999-12-31",
            base("VisitationGranted", valid_until="9999-12-31"),
        )
    )
    for value in [
        "0000-01",
        "0001-01",
        "9999-12",
        "2026-00",
        "2026-13",
        "2026-1",
        "26-01",
        "2026-01 ",
        "2026-01\n",
        " 2026-01",
        "\u0662\u0660\u0662\u0666-\u0660\u0661",
        "\uff12\uff10\uff12\uff16-\uff10\uff11",
        "\u0968\u0966\u0968\u096c-\u0966\u0967",
        "2026\u201301",
        "2026-01-01",
        "202601",
    ]:
        out.append(
            event_case(
                f"period-{value.encode('unicode_escape').decode()}",
                f"period {value!r}",
                base("DialogueMeetingHeld", period=value),
            )
        )
    return out


_BAD_CHARS = {
    "nul": "a\x00b",
    "bidi-rlo": "team\u202e1",
    "bidi-lri": "team\u20661",
    "zero-width-space": "team\u200b1",
    "zero-width-joiner": "team\u200d1",
    "bom": "\ufeffteam-1",
    "newline": "team-1\n",
    "cr": "team\r1",
    "tab": "team\t1",
    "space": "team 1",
    "cyrillic-a": "te\u0430m-1",
    "greek-omicron": "case-\u03bf1",
    "fullwidth": "\uff54\uff45\uff41\uff4d",
    "danish-letter": "hjemmepleje-\u00f8st",
    "empty": "",
    "lone-surrogate": "team-\ud800",
    "del": "team\x7f1",
    "nbsp": "team\u00a01",
}


def identifiers() -> list[Case]:
    """Identifiers outside the documented character set."""
    out: list[Case] = []
    fields = [
        ("CaseOpened", "case_id"),
        ("CaseOpened", "team_id"),
        ("VisitDelivered", "carer_id"),
        ("VisitDelivered", "visit_id"),
        ("VisitationGranted", "decision_id"),
        ("DialogueMeetingHeld", "team_id"),
    ]
    for name, value in _BAD_CHARS.items():
        for kind, field in fields:
            out.append(
                event_case(
                    f"id-{name}-{kind}-{field}",
                    f"{kind}.{field} with {name}",
                    base(kind, **{field: value}),
                )
            )
        actor = {"actor_id": value, "role": "visitator"}
        out.append(
            event_case(
                f"id-{name}-actor",
                f"recorded_by.actor_id with {name}",
                base("CaseOpened", recorded_by=actor),
            )
        )
    return out


_CPR_FORMS = {
    "plain": "0101701234",
    "hyphen": "010170-1234",
    "space": "010170 1234",
    "nbsp": "010170\u00a01234",
    "dots": "01.01.70-1234",
    "en-dash": "010170\u20131234",
    "slash": "01/01/70 1234",
    "arabic-indic": "\u0660\u0661\u0660\u0661\u0667\u0660-\u0661\u0662\u0663\u0664",
    "fullwidth": "\uff10\uff11\uff10\uff11\uff17\uff10\uff11\uff12\uff13\uff14",
    "zero-width": "010170\u200b1234",
    "embedded": "borger-311299-9876-x",
    "minus-sign": "010170\u22121234",
}


def cpr() -> list[Case]:
    """CPR-like values and names: rejected, never echoed."""
    out: list[Case] = []
    for form, value in _CPR_FORMS.items():
        canaries = (value,)
        out.append(
            event_case(
                f"cpr-{form}-case-id",
                f"case_id is a CPR number ({form})",
                base("CaseOpened", case_id=value),
                canaries,
            )
        )
        out.append(
            event_case(
                f"cpr-{form}-carer",
                f"carer_id ({form})",
                base("VisitDelivered", carer_id=value),
                canaries,
            )
        )
        actor = {"actor_id": value, "role": "ssh"}
        out.append(
            event_case(
                f"cpr-{form}-actor",
                f"recorded_by.actor_id ({form})",
                base("VisitDelivered", recorded_by=actor),
                canaries,
            )
        )
        out.append(
            event_case(
                f"cpr-{form}-municipality",
                f"municipality ({form})",
                base("CaseOpened", municipality=value),
                canaries,
            )
        )
        basis = {"act": "SEL", "paragraph": value, "regime": "SEL-2024"}
        out.append(
            event_case(
                f"cpr-{form}-legal-basis",
                f"legal_basis.paragraph ({form})",
                base("VisitationRejected", legal_basis=basis),
                canaries,
            )
        )
        unknown = base("CaseClosed")
        unknown[value] = "x"
        out.append(
            event_case(
                f"cpr-{form}-field-name",
                f"an unknown field named by a CPR number ({form})",
                unknown,
                canaries,
            )
        )
        nested = base("CaseClosed")
        nested["recorded_by"] = {**nested["recorded_by"], value: 1}
        out.append(
            event_case(
                f"cpr-{form}-nested-name",
                f"an unknown nested field named by a CPR number ({form})",
                nested,
                canaries,
            )
        )
        out.append(
            event_case(
                f"cpr-{form}-type",
                f"type is a CPR number ({form})",
                base("CaseClosed", type=value),
                canaries,
            )
        )
    for number in (1201701234, 101701234, 3112991234):
        out.append(
            event_case(
                f"cpr-schema-version-{number}",
                "schema_version is a CPR-like number",
                base("CaseOpened", schema_version=number),
                (str(number),),
            )
        )
    out.append(
        event_case(
            "cpr-minutes",
            "minutes is a CPR-like number",
            base("VisitDelivered", minutes=1201701234),
            ("1201701234",),
        )
    )
    out.append(
        event_case(
            "cpr-institution",
            "institution holds a CPR number",
            base("CitizenAdmitted", institution="010170-1234"),
            ("010170-1234",),
        )
    )
    return out


def labels() -> list[Case]:
    """Municipality and legal basis parts outside their character set or length."""
    out: list[Case] = []
    for name, value in {**_BAD_CHARS, "long": "x" * 100}.items():
        if name in ("danish-letter", "fullwidth", "cyrillic-a", "greek-omicron", "nbsp", "space"):
            continue  # letters of other scripts, and inner spaces, are allowed in a label
        out.append(
            event_case(
                f"municipality-{name}",
                f"municipality with {name}",
                base("CaseOpened", municipality=value),
            )
        )
        for part in ("act", "paragraph", "regime"):
            basis = {"act": "SEL", "paragraph": "83", "regime": "SEL-2024", part: value}
            out.append(
                event_case(
                    f"legal-basis-{part}-{name}",
                    f"legal_basis.{part} with {name}",
                    base("VisitationRejected", legal_basis=basis),
                )
            )
    return out


def encoding() -> list[Case]:
    """Input that is not UTF-8, not JSON, or not an object."""
    good = json.dumps(base("CaseClosed")).encode()
    out = [
        text_case("bytes-ff", "a lone 0xFF byte", b"\xff"),
        text_case(
            "bytes-latin1",
            "Latin-1 text",
            json.dumps(base("CaseClosed", reason="Fraflyttet"))
            .replace("Fraflyttet", "Fr\u00e6")
            .encode("latin-1"),
        ),
        text_case(
            "bytes-overlong-nul",
            "an overlong UTF-8 NUL (C0 80)",
            good.replace(b"case-1", b"case-\xc0\x80"),
        ),
        text_case(
            "bytes-cesu-surrogate",
            "an encoded surrogate (ED A0 80)",
            good.replace(b"case-1", b"case-\xed\xa0\x80"),
        ),
        text_case(
            "bytes-utf16", "the event in UTF-16", json.dumps(base("CaseClosed")).encode("utf-16")
        ),
        text_case(
            "bytes-truncated-utf8",
            "a multi-byte character cut",
            good.replace(b"Fraflyttet", b"Fr\xc3"),
        ),
        text_case("json-truncated", "the event cut in half", good[: len(good) // 2]),
        text_case("json-empty-object", "an empty object", "{}"),
        text_case("json-array", "an array of events", "[" + good.decode() + "]"),
        text_case("json-string", "a JSON string", '"CaseClosed"'),
        text_case("json-number", "a JSON number", "0101701234", ("0101701234",)),
        text_case("json-null", "null", "null"),
        text_case("json-trailing", "two objects on one line", good.decode() + good.decode()),
        text_case("json-single-quotes", "Python-style quotes", good.decode().replace('"', "'")),
        text_case("json-comment", "a comment", "// event\n" + good.decode()),
        text_case("json-nul-byte", "a NUL byte in the document", good + b"\x00"),
        text_case("json-bom", "a byte order mark before the document", b"\xef\xbb\xbf" + good),
        text_case(
            "json-escaped-surrogate",
            "a lone surrogate escape in an id",
            good.decode().replace("case-1", "case-\\ud800"),
        ),
    ]
    return out


CLASSES = {
    "coercion": coercion,
    "duplicates": duplicates,
    "sizes": sizes,
    "dates": dates,
    "identifiers": identifiers,
    "cpr": cpr,
    "labels": labels,
    "encoding": encoding,
}


def main() -> None:
    total = 0
    for name, build in CLASSES.items():
        cases = build()
        ids = [c["id"] for c in cases]
        assert len(ids) == len(set(ids)), f"duplicate case ids in {name}"
        lines = [json.dumps({"class": name, **case}, ensure_ascii=True) for case in cases]
        (HERE / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        total += len(cases)
    print(f"wrote {total} cases in {len(CLASSES)} classes to {HERE}")


if __name__ == "__main__":
    main()
