"""The one-pass path of :func:`~erantis_domain.events.parse_event`: a line decoded and judged
once, in pydantic-core (Rust), with no call back into Python for a typical event.

The strict decoder of :mod:`~erantis_domain.events.decode` (the standard library's ``json``
with hooks, a walk of the result, the union's validators in Python) stays the judge of every
line this path does not accept: it alone writes errors. This path only ever *accepts*, and only
what that decoder would accept with the same result; whatever it is unsure of, it hands over.

Built once, from the union's own core schema, so that a new event type or field needs nothing
here:

* each validator of :mod:`erantis_domain.values` that has an exact or stricter Rust form is
  replaced by it: identifiers by a pattern (one that also cannot hold anything CPR-shaped, so
  no separate CPR scan is needed: an identifier with a long run of digits goes the strict way),
  short labels (a legal basis's parts, an institution) by patterns of fewer characters than a
  label may hold (:data:`SAFE_LABEL`; also inside the legal basis's normaliser's schema),
  days and moments by an ISO pattern whose years are 1900-2199, FSIII codes by the list of
  codes, ``schema_version`` by its one value; any other validator stays as it is;
* an event type whose shape this path cannot bound as the strict decoder does (a mapping, a
  union inside an event, deeper nesting than :data:`MAX_DEPTH`) is left out of its union: such
  a line always goes the strict way. Bounds the strict decoder sets on every line are set here
  on each field: integers of at most 20 digits, lists of at most :data:`MAX_ITEMS` items; a
  decimal is read from a plain decimal string only (:data:`DECIMAL`);
* a validator that stays in Python and could make this path's bounds wrong is guarded: one that
  checks something holding models must return the very object it was given
  (:class:`_SameObject`: a model validator returning ``self``), one that sees the input before
  it is read must be handed a JSON scalar, or the object of a model of scalar fields and give
  back an object with the same names (:class:`_ReadAsIs`: a legal basis normalised). Anything
  else raises inside the validator, and the line is handed over.

What JSON decoding must check is checked on the raw text, once, after the validator accepted
it: a line of at most :data:`FAST_MAX_CHARS` characters (so no text inside it is longer than
``MAX_STRING``), and no name given twice:

* for most events (a model whose every field takes only JSON strings or only other values,
  with nested models of a fixed shape: see :func:`_strings_of`), the number of quotes is
  twice the number of strings, names included, which the event gives exactly when no object
  repeats a name and no quote is escaped: every quote of a valid JSON text opens or closes a
  string or is escaped inside one, so a repeated name adds its own two quotes at least, an
  escaped quote one, and nothing takes any away. Whitespace and other escapes do not matter;
  UTF-8 bytes are counted as they are (a quote is one byte, never part of another character);
* otherwise, on a line with no whitespace after a quote (so every field name is followed by its
  colon), the number of ``":`` in it is at least the number of field names (an escaped quote
  before a colon inside a text adds to it, nothing takes away), which is at least the number of
  fields the models were given (every object is a model's, and forbids names it does not
  have), with equality only when no object repeats a name.

Any difference hands the line over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel
from pydantic_core import SchemaValidator, ValidationError

from erantis_domain import fsiii, values
from erantis_domain.events._fast_bounds import (
    _MAX_BOUND,
    _bound,
    _counts,
    _fn,
    _holds_model,
    _ReadAsIs,
    _SameObject,
    _Shape,
    _strings_of,
    _Unbounded,
)
from erantis_domain.events.parts import (
    MAX_DEPTH,
    MAX_ITEMS,
    DomainEvent,
)

__all__ = ["FAST_MAX_CHARS", "FastPath"]

#: Longest line this path takes, in characters (and so in bytes of UTF-8 at least as many):
#: no string inside can then exceed the strict decoder's longest text.
FAST_MAX_CHARS = 16_000

#: An identifier in printable ASCII (no backslash) in which no run of digits and separators
#: holds ten digits: nothing in it can be CPR-shaped. Separators as the CPR detector knows
#: them (:mod:`erantis_domain._cpr`); ``[!-~--[...]]`` is Rust's class difference.
_SEP = "[.\\-/_+:,;']"
_OTHER = "[!-~--[0-9.\\-/\\\\_+:,;']]"
_RUN = f"{_SEP}*(?:[0-9]{_SEP}*){{0,9}}"
SAFE_IDENTIFIER = f"^{_RUN}(?:{_OTHER}+{_RUN})*$"

#: A short label (:data:`values.Label`) this path can vouch for: printable ASCII but the
#: backslash, and the letters of Latin-1 (``À`` to ``ÿ``, Danish among them), whose Unicode
#: categories are none that a label refuses, in any version of the Unicode database; no run
#: of digits and separators (the space among them) that holds ten digits, as for identifiers.
#: Any other character (a no-break space, another script) goes the strict way.
_LABEL_SEP = "[ .\\-/_+:,;']"
_LABEL_OTHER = "[!-~\u00c0-\u00ff--[0-9.\\-/\\\\_+:,;']]"
_LABEL_RUN = f"{_LABEL_SEP}*(?:[0-9]{_LABEL_SEP}*){{0,9}}"
SAFE_LABEL = f"^{_LABEL_RUN}(?:{_LABEL_OTHER}+{_LABEL_RUN})*$"
#: ... and which neither starts nor ends with a space (the label's strip check: the only
#: whitespace :data:`SAFE_LABEL` lets through is the space).
NO_EDGE_SPACE = "^[^ ](?:[^\\n]*[^ ])?$"

_YEAR_DAY = "(?:19|20|21)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
#: A day of the years 1900-2199 (so inside the sane range of :data:`values.EARLIEST_DAY` and
#: :data:`values.LATEST_DAY`); the calendar (a 30 February) is pydantic-core's to check.
DAY = f"^{_YEAR_DAY}$"
#: A moment in the one form both Python's ``fromisoformat`` and pydantic-core read the same:
#: seconds, 3 or 6 decimals, ``Z`` or an offset under 24 hours. Its own day is 1900-2199.
MOMENT = (
    f"^{_YEAR_DAY}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{{3}}|\\.[0-9]{{6}})?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
#: A decimal in its plain written form (no exponent, sign, space or underscore): what this path
#: reads of a decimal field, from a JSON string only; the strict decoder reads a number through
#: a Python float first, so any other form is its to judge.
DECIMAL = "^-?[0-9]{1,40}(?:\\.[0-9]{1,40})?$"

Node = dict[str, Any]

#: Whitespace after a quote, as text and as bytes: ``(the whitespace, the pair)``.
_AFTER_QUOTE: dict[type, tuple[tuple[Any, Any], ...]] = {
    str: tuple((space, '"' + space) for space in " \t\r\n"),
    bytes: tuple((space, b'"' + space) for space in (b" ", b"\t", b"\r", b"\n")),
}
#: The end of a field name in a compact line.
_NAME_END: dict[type, Any] = {str: '":', bytes: b'":'}


def _nothing(data: object) -> None:
    return None


def _is(function: object, target: Callable[..., object]) -> bool:
    return getattr(function, "__func__", function) is getattr(target, "__func__", target)


def _guarded(node: Node, guard: Callable[[Callable[..., Any]], Any]) -> Node:
    """``node`` (a function validator) with its function wrapped by ``guard``."""
    info = node["function"]
    return {**node, "function": {**info, "function": guard(info["function"])}}


def _label(inner: Node) -> Node:
    """A label's string schema (its lengths) with :data:`NO_EDGE_SPACE`, then
    :data:`SAFE_LABEL`: the label check of :mod:`erantis_domain.values` in Rust."""
    return {
        "type": "chain",
        "steps": [
            {**inner, "pattern": NO_EDGE_SPACE, "strict": True},
            {"type": "str", "pattern": SAFE_LABEL, "strict": True},
        ],
    }


def _rewrite(node: Any) -> Any:
    """``node`` with each validator of known meaning replaced by its Rust form, and every other
    validator that could make this path's bounds wrong guarded (:class:`_SameObject`,
    :class:`_ReadAsIs`)."""
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind == "decimal":
        return _chain(DECIMAL, node)
    if kind == "function-before" and isinstance(node.get("function"), dict):
        # What a before-validator hands on is judged as a Python object: its inner schema is
        # kept as written (a decimal there takes a Decimal), only made strict.
        inner = node.get("schema", {})
        of_object = inner.get("type") == "model-fields" and not _holds_model(inner)
        return _guarded(
            {**node, "schema": _strict(inner)},
            lambda function: _ReadAsIs(function, of_object),
        )
    if kind == "function-after":
        function, inner = _fn(node), node.get("schema", {})
        if _is(function, values._identifier_chars) and inner.get("type") == "str":
            return {**inner, "pattern": SAFE_IDENTIFIER}
        if _is(function, values._label_chars) and inner.get("type") == "str":
            return _label(inner)
        if _is(function, values._day_in_range) and inner.get("type") == "function-before":
            parser, target = _fn(inner), inner.get("schema", {})
            if _is(parser, values._iso_day) and target.get("type") == "date":
                return _chain(DAY, target)
            if _is(parser, values._iso_moment) and target.get("type") == "datetime":
                return _chain(MOMENT, target)
        if _is(function, DomainEvent._current_version) and inner.get("type") == "int":
            version = function.__self__.SCHEMA_VERSION
            return {"type": "int", "ge": version, "le": version, "strict": True}
        if _is(function, values._score_check) and inner.get("type") == "int":
            # Bounded, so that the grade may take this path; the check itself stays (a literal
            # of integers would take ``true`` and ``1.0`` for 1).
            low, high = min(fsiii.VALID_SCORES), max(fsiii.VALID_SCORES)
            return {**node, "schema": {**inner, "ge": low, "le": high}}
        if isinstance(function, values._CodeCheck) and inner.get("type") == "str":
            return {"type": "literal", "expected": sorted(fsiii.codes(function.families))}
        if function is not None and _holds_model(inner):
            return _guarded({**node, "schema": _rewrite(inner)}, _SameObject)
    out = {key: _rewrite(value) for key, value in node.items() if key not in ("metadata",)}
    if kind == "model":
        out["config"] = {**out.get("config", {}), "strict": True}
    elif "strict" in out:
        out["strict"] = True
    if kind == "int":
        # The strict decoder refuses an integer of more than 20 digits anywhere: so does this
        # path, by bounds where a field has none.
        if "ge" not in out and "gt" not in out:
            out["ge"] = 1 - _MAX_BOUND
        if "le" not in out and "lt" not in out:
            out["le"] = _MAX_BOUND - 1
    if kind in ("list", "tuple"):
        # ... and a list of more than MAX_ITEMS items.
        out["max_length"] = min(out.get("max_length", MAX_ITEMS), MAX_ITEMS)
    return out


def _strict(node: Any) -> Any:
    """``node`` strict throughout, its validators as written (the input of a before-validator's
    inner schema is a Python object, not JSON)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    if (
        node.get("type") == "function-after"
        and _is(_fn(node), values._label_chars)
        and node.get("schema", {}).get("type") == "str"
    ):
        return _label(node["schema"])  # a pattern reads a Python string as it reads JSON's
    out = {key: _strict(value) for key, value in node.items() if key not in ("metadata",)}
    if node.get("type") == "model":
        out["config"] = {**out.get("config", {}), "strict": True}
    elif "strict" in out:
        out["strict"] = True
    return out


def _relaxed(node: Any) -> Any:
    """``node`` lax throughout: for Python data this path already judged (the store's)."""
    if isinstance(node, list):
        return [_relaxed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _relaxed(value) for key, value in node.items()}
    if out.get("type") == "model":
        out["config"] = {**out.get("config", {}), "strict": False}
    elif "strict" in out:
        out["strict"] = False
    return out


def _chain(pattern: str, target: Node) -> Node:
    # The text is matched first (strictly a JSON string); the parser then reads that Python
    # string, which only a lax step does (a strict one takes date or Decimal objects only).
    return {
        "type": "chain",
        "steps": [
            {"type": "str", "pattern": pattern, "strict": True},
            {**target, "strict": False},
        ],
    }


@contextmanager
def _own_validators(classes: list[type[BaseModel]]) -> Iterator[None]:
    """pydantic-core reuses a complete model's own validator wherever the model appears in
    another schema, which would put back the very validators replaced here: mark the models
    incomplete while the fast validator is built (at import, once), then exactly as before."""
    missing = object()
    saved = [(cls, cls.__dict__.get("__pydantic_complete__", missing)) for cls in classes]
    try:
        for cls in classes:
            cls.__pydantic_complete__ = False
        yield
    finally:
        for cls, complete in saved:
            if complete is missing:
                delattr(cls, "__pydantic_complete__")
            else:
                cls.__pydantic_complete__ = complete


def _models(node: Any) -> Iterator[type[BaseModel]]:
    if isinstance(node, list):
        for item in node:
            yield from _models(item)
    elif isinstance(node, dict):
        if node.get("type") == "model":
            yield node["cls"]
        for key, value in node.items():
            if key not in ("cls", "metadata"):
                yield from _models(value)


def _class_of(choice: Node) -> type:
    """The model class of a union's choice (under any validators wrapped around it)."""
    while choice.get("type") != "model":
        choice = choice["schema"]
    cls: type = choice["cls"]
    return cls


class FastPath:
    """The one-pass validator of a discriminated union's core schema (see the module)."""

    def __init__(self, union_schema: Node, upcast: frozenset[tuple[str, int]]) -> None:
        rewritten = _rewrite(union_schema)
        union = rewritten["schema"] if rewritten.get("type") == "definitions" else rewritten
        if union.get("type") != "tagged-union":
            raise TypeError("the event schema is not a tagged union")
        shapes: dict[type, _Shape] = {}
        defs = {d["ref"]: d for d in rewritten.get("definitions", []) if "ref" in d}
        kept: dict[str, Node] = {}
        for tag, choice in union["choices"].items():
            nested: dict[type, _Shape] = {}
            try:
                depth, _ = _bound(choice, 0, nested, defs)
            except _Unbounded:
                continue
            if depth <= MAX_DEPTH:
                kept[tag] = choice
                shapes.update(nested)
        union["choices"] = kept
        #: The event types this path can accept.
        self.types = frozenset(kept)
        classes = list(dict.fromkeys(_models(rewritten)))
        with _own_validators(classes):
            # No cache of the strings read ("keys": the names only). pydantic-core's default
            # keeps the last 16,384 strings of any line to reuse them: the ids of visits and
            # events are new on every line, so each was looked up, missed, stored and evicted
            # (measured over a year's lines: 1.2-2 us a visit more, a third of json.loads).
            self._validator = SchemaValidator(rewritten, {"strict": True, "cache_strings": "keys"})
            self._stored = SchemaValidator(_relaxed(rewritten), {"strict": False})
        self._validate = self._validator.validate_json
        self._fixed, self._varying = _counts(shapes)
        self._quoted = {
            _class_of(choice): shape
            for choice in kept.values()
            if (shape := _strings_of(choice, defs)) is not None
        }
        self._upcast_classes = frozenset(
            _class_of(choice) for tag, choice in kept.items() if any(tag == k for k, _ in upcast)
        )
        self._upcast = upcast
        #: The event of a line when this path can vouch for it, else ``None`` (the strict
        #: decoder then judges it): :meth:`parser` handing over to nothing.
        self.parse: Callable[[object], DomainEvent | None] = self.parser(_nothing)

    def parser(self, other: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """The event of a line (``str`` or ``bytes``) when this path can vouch for it, else
        ``other(data)``, as is for anything else (a mapping, a subclass of ``str``). One
        closure over what it reads: this is the hot path of every line, and a call less is
        about 3 % of ``json.loads`` of a visit."""
        validate, general = self._validate, self._general
        # The models whose lines are judged by their count of quotes (see the module), with
        # at most one optional name of a non-string (``schema_version``; "" for none: no field
        # has that name): ``(quotes - 4 * len(fields set) when that name is not given, the
        # name)``. The count is ``2 * strings``, and ``strings`` is ``2 * len(fields set) + a``
        # less one when that name was given.
        quick = {
            cls: (2 * shape[0], shape[1][0] if shape[1] else "")
            for cls, shape in self._quoted.items()
            if cls not in self._varying and cls not in self._upcast_classes and len(shape[1]) <= 1
        }
        longest = FAST_MAX_CHARS

        def parse(data: Any) -> Any:
            kind = type(data)
            if kind is str:
                quote: Any = '"'
            elif kind is bytes:
                # A quote is one byte in UTF-8 and never part of another character's bytes:
                # bytes are counted as they are, with no copy as text.
                quote = b'"'
            else:
                return other(data)
            if len(data) > longest:
                return other(data)
            try:
                event = validate(data)
            except ValidationError:
                return other(data)
            shape = quick.get(type(event))
            if shape is not None:
                # Every quote of a valid JSON text opens or closes a string, or is escaped
                # inside one: the count is twice the strings at least, and exactly that when no
                # name is given twice and no quote is escaped (see the module).
                fields = event.__pydantic_fields_set__
                quotes = 4 * len(fields) + shape[0]
                if shape[1] in fields:
                    quotes -= 2
                if data.count(quote) == quotes:
                    return event
            # Else (another model, an escaped quote, a name given twice) judged by its names.
            event = general(event, data)
            return other(data) if event is None else event

        return parse

    def _general(self, event: DomainEvent, data: Any) -> DomainEvent | None:
        """``event``, read from ``data`` (``str`` or ``bytes``), when no object of ``data``
        gives a name twice and it needs no upcast, judged by the count of ``":`` (see the
        module); else ``None``."""
        # No whitespace after a quote. The lone character is looked for first (memchr), the
        # pair only when it is there (a pair is tried at every quote); a line's own final
        # newline follows a brace, never a quote: it is left out.
        last = len(data) - 1
        for char, after in _AFTER_QUOTE[type(data)]:
            if data.find(char, 0, last) >= 0 and after in data:
                return None
        return self._vouch(event, data.count(_NAME_END[type(data)]))

    def _vouch(self, event: DomainEvent, names: int) -> DomainEvent | None:
        """``event`` when it names each field once (``names`` is the count of ``":`` in its
        text) and needs no upcast."""
        cls = event.__class__
        given = len(event.__pydantic_fields_set__) + self._fixed[cls]
        if cls in self._varying:
            given += self._count_varying(event)
        if given != names:
            return None  # a name given twice somewhere: the strict decoder says where
        if cls in self._upcast_classes:
            version = event.schema_version if "schema_version" in event.model_fields_set else 1
            if (event.type, version) in self._upcast:  # type: ignore[attr-defined]
                return None
        return event

    def _count(self, model: BaseModel) -> int:
        """How many field names the objects behind ``model`` gave: its own, plus those of its
        nested models (a constant for those whose every field is required)."""
        count = len(model.__pydantic_fields_set__) + self._fixed[model.__class__]
        if model.__class__ in self._varying:
            count += self._count_varying(model)
        return count

    def parse_stored(self, data: dict[str, Any]) -> DomainEvent | None:
        """An event read back from a store (it passed :meth:`parse` or the strict decoder when
        it was written): the same validators, lax, in one pass; ``None`` when it needs an
        upcast or a validator this path leaves to Python."""
        kind = data.get("type")
        if (kind, data.get("schema_version", 1)) in self._upcast:
            return None
        try:
            event: DomainEvent = self._stored.validate_python(data)
        except ValidationError:
            return None
        return event

    def _count_varying(self, model: BaseModel) -> int:
        count = 0
        for name in self._varying[model.__class__]:
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                count += self._count(value)
            elif isinstance(value, tuple | list):
                count += sum(self._count(item) for item in value if isinstance(item, BaseModel))
        return count
