"""Private: a stream's state as the body of a snapshot (JSON text), and back.

A long case is mostly visits. Stored as one JSON object per visit, restoring a 10,000-visit
case costs a Python call per visit; stored as columns it costs a few calls per column. A
column with few distinct values (interventions, teams, carers, minutes) is kept as its
distinct values plus one character per row, naming the value; event ids are one hex
string, 16 bytes an id. Everything else of the state is its ordinary JSON.
"""

from __future__ import annotations

import json
from typing import Any

from erantis_domain.case import CitizenCase, TeamPeriod, VisitLog

__all__ = ["body_of", "state_of"]

#: One character per row names a value, while a column has at most this many distinct values
#: (ASCII, none that JSON escapes).
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
_VISIT_COLUMNS = ("days", "codes", "minutes", "teams", "carers")


def _packed(values: list[Any]) -> dict[str, Any]:
    distinct: dict[Any, int] = {}
    for value in values:
        if value not in distinct:
            distinct[value] = len(distinct)
            if len(distinct) > len(_ALPHABET):
                return {"values": values}
    return {"distinct": list(distinct), "rows": "".join(_ALPHABET[distinct[v]] for v in values)}


def _unpacked(column: Any) -> list[Any]:
    if "values" in column:
        values = column["values"]
        if not isinstance(values, list):
            raise TypeError("a snapshot column is not a list")
        return values
    table = dict(zip(_ALPHABET, column["distinct"], strict=False))
    return list(map(table.__getitem__, column["rows"]))


def body_of(state: CitizenCase | TeamPeriod) -> str:
    """The snapshot body of a state: JSON text, ASCII where the state is."""
    if isinstance(state, TeamPeriod):
        return f'{{"state":{state.model_dump_json()}}}'
    days, codes, minutes, teams, carers, ids = state.visit_log.columns()
    columns: tuple[list[Any], ...] = (days, codes, minutes, teams, carers)
    visits: dict[str, Any] = {
        name: _packed(column) for name, column in zip(_VISIT_COLUMNS, columns, strict=True)
    }
    visits["ids"] = ids.hex()
    packed = json.dumps(visits, separators=(",", ":"), ensure_ascii=False)
    return f'{{"state":{state.model_dump_json(exclude={"visit_log"})},"visits":{packed}}}'


def state_of(kind: str, body: str) -> CitizenCase | TeamPeriod:
    """The state a snapshot body holds. Raises ``KeyError``, ``TypeError`` or ``ValueError``
    (pydantic's ``ValidationError`` is one) when it is not a state of ``kind``."""
    decoded = json.loads(body)
    if not isinstance(decoded, dict) or not isinstance(decoded.get("state"), dict):
        raise TypeError("a snapshot body is not an object holding a state")
    if kind == "team":
        return TeamPeriod.model_validate(decoded["state"])
    if kind != "case":
        raise ValueError(f"no stream kind {kind!r}")
    visits = decoded["visits"]
    days, codes, minutes, teams, carers = (_unpacked(visits[name]) for name in _VISIT_COLUMNS)
    ids = bytes.fromhex(visits["ids"])
    log = VisitLog.of_columns(days, codes, minutes, teams, carers, ids)
    return CitizenCase.model_validate({**decoded["state"], "visit_log": log})
