"""How the one-pass path (:mod:`erantis_domain.events._fast`) bounds an event type as the strict
decoder does, counts the names and strings its objects give, and guards the validators that
stay in Python (see that module for why each holds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from erantis_domain.events.parts import MAX_FIELDS, MAX_ITEMS, MAX_NAME

__all__: list[str] = []

Node = dict[str, Any]


#: The largest integer bound a field may have on this path: the strict decoder refuses numbers
#: of more than 20 digits before any field sees them.
_MAX_BOUND = 10**20


class _Shape(NamedTuple):
    """What of a model's fields may hold models: ``(name, the model class when the field is
    required and holds exactly one model, else None)``; ``complete`` when no field has a
    default (every object of it names every field)."""

    complete: bool
    holders: tuple[tuple[str, type | None], ...]


class _Unbounded(Exception):
    """A part of a schema this path cannot bound as the strict decoder does."""


class _SameObject:
    """An after-validator of something that holds models, which must return the very object it
    was given (a model validator that returns ``self``, a check of a list of models): the field
    names this path counts are then those of the objects read. Any other result hands the line
    over."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function

    def __call__(self, value: Any, *info: Any) -> Any:
        if self.function(value, *info) is not value:
            raise ValueError("handed over: a validator replaced what it was given")
        return value


class _ReadAsIs:
    """A before-validator, guarded so that what it returns is bounded as the input was: from a
    JSON scalar (no float: the strict decoder reads those through a Python float), or from the
    object of a model of scalar fields, an object with the same names whose objects and arrays
    are passed on as they are. Anything else hands the line over."""

    def __init__(self, function: Callable[..., Any], of_object: bool) -> None:
        self.function = function
        self.of_object = of_object

    def __call__(self, value: Any, *info: Any) -> Any:
        if self.of_object:
            if type(value) is not dict:
                raise ValueError("handed over: not an object")
            given = list(value.items())
            out = self.function(value, *info)
            if (
                type(out) is not dict
                or len(out) != len(given)
                or any(name not in out for name, _ in given)
                or any(type(v) in (dict, list) and out[n] is not v for n, v in given)
            ):
                raise ValueError("handed over: a validator renamed or replaced a field")
            return out
        if (
            value is None
            or type(value) in (str, bool)
            or (type(value) is int and -_MAX_BOUND < value < _MAX_BOUND)
        ):
            return self.function(value, *info)
        raise ValueError("handed over: not a bounded JSON scalar")


def _fn(node: Node) -> Any:
    function = node.get("function")
    return function.get("function") if isinstance(function, dict) else None


def _holds_model(node: Any) -> bool:
    if isinstance(node, list):
        return any(_holds_model(item) for item in node)
    if not isinstance(node, dict):
        return False
    if node.get("type") in ("model", "definition-ref"):
        return True
    return any(_holds_model(v) for k, v in node.items() if k not in ("cls", "metadata"))


def _bound(
    node: Any, depth: int, nested: dict[type, _Shape], defs: dict[str, Node]
) -> tuple[int, bool]:
    """The JSON nesting ``node`` can reach, and whether it holds a model; raises
    :class:`_Unbounded` for what this path cannot bound. Records each model's fields that may
    hold models in ``nested``."""
    kind = node.get("type")
    if kind == "model":
        fields = node["schema"]
        if fields.get("type") == "function-before" and isinstance(_fn(fields), _ReadAsIs):
            fields = fields["schema"]  # guarded: the same names, objects passed on as they are
        if fields.get("type") != "model-fields" or len(fields["fields"]) > MAX_FIELDS:
            raise _Unbounded(kind)
        deepest, holders = depth + 1, []
        for name, field in fields["fields"].items():
            if len(name) > MAX_NAME:
                raise _Unbounded(name)
            reach, has_model = _bound(field["schema"], depth + 1, nested, defs)
            deepest = max(deepest, reach)
            if has_model:
                # The model itself when the field is required and holds exactly one.
                inner = field["schema"]
                holders.append((name, inner["cls"] if inner.get("type") == "model" else None))
        nested[node["cls"]] = _Shape(
            all(field["schema"].get("type") != "default" for field in fields["fields"].values()),
            tuple(holders),
        )
        return deepest, True
    if kind in ("str", "bool", "none", "uuid", "enum", "date", "datetime", "decimal"):
        return depth, False
    if kind == "literal":
        if any(isinstance(v, int) and abs(v) >= _MAX_BOUND for v in node["expected"]):
            raise _Unbounded(kind)
        return depth, False
    if kind == "int":
        low, high = node.get("ge", node.get("gt")), node.get("le", node.get("lt"))
        if low is None or high is None or max(abs(low), abs(high)) >= _MAX_BOUND:
            raise _Unbounded(kind)
        return depth, False
    if kind in ("tuple", "list"):
        if node.get("max_length", MAX_ITEMS + 1) > MAX_ITEMS:
            raise _Unbounded(kind)
        items = node.get("items_schema", [])
        items = items if isinstance(items, list) else [items]
        reached = [_bound(item, depth + 1, nested, defs) for item in items]
        return max([depth + 1, *(r for r, _ in reached)]), any(m for _, m in reached)
    if kind in ("nullable", "default"):
        return _bound(node["schema"], depth, nested, defs)
    if kind == "chain":
        reached = [_bound(step, depth, nested, defs) for step in node["steps"]]
        return max(r for r, _ in reached), any(m for _, m in reached)
    if kind == "function-after":
        reach, has_model = _bound(node["schema"], depth, nested, defs)
        if has_model and not isinstance(_fn(node), _SameObject):
            # A validator that may return other model objects than those read: their fields
            # would no longer count the names of the line.
            raise _Unbounded(kind)
        return reach, has_model
    if kind == "function-before" and isinstance(_fn(node), _ReadAsIs):
        if _fn(node).of_object:
            raise _Unbounded(kind)  # only as a model's own (see above)
        return _bound(node["schema"], depth, nested, defs)
    if kind == "definition-ref":
        # A shared definition (an enum used in several places); one that refers back to itself
        # would recurse without bound, so each is followed once on a path.
        target = defs.get(node["schema_ref"])
        if target is None:
            raise _Unbounded(kind)
        rest = {ref: value for ref, value in defs.items() if ref != node["schema_ref"]}
        return _bound(target, depth, nested, rest)
    # Decimals, floats, mappings, unions inside an event, validators that see the input before
    # it is read: the strict decoder judges those.
    raise _Unbounded(str(kind))


def _counts(shapes: dict[type, _Shape]) -> tuple[dict[type, int], dict[type, tuple[str, ...]]]:
    """For each model, the field names its nested models always give (those it holds exactly
    once, in a required field, whose own fields are all required, recursively), and the fields
    whose models must be counted one by one."""
    constant: dict[type, int | None] = {}

    def always(cls: type) -> int | None:
        # The names an object of ``cls`` always gives, or None when that varies.
        if cls not in constant:
            shape = shapes[cls]
            own = len(cls.model_fields) if shape.complete else None  # type: ignore[attr-defined]
            inner = _fixed_of(shape)
            constant[cls] = None if own is None or inner is None else own + inner
        return constant[cls]

    def _fixed_of(shape: _Shape) -> int | None:
        total = 0
        for _, single in shape.holders:
            count = always(single) if single is not None else None
            if count is None:
                return None
            total += count
        return total

    fixed: dict[type, int] = {}
    varying: dict[type, tuple[str, ...]] = {}
    for cls, shape in shapes.items():
        fixed[cls], names = 0, []
        for name, single in shape.holders:
            count = always(single) if single is not None else None
            if count is None:
                names.append(name)
            else:
                fixed[cls] += count
        if names:
            varying[cls] = tuple(names)
    return fixed, varying


#: JSON values a schema takes: only strings, or only other values (numbers, booleans, null,
#: objects); ``None`` when it may take either (or arrays, whose strings vary in number).
_STRINGS, _OTHERS = "strings", "others"


def _takes(node: Node, defs: dict[str, Node]) -> str | None:
    kind = node.get("type")
    if kind in ("str", "uuid", "date", "datetime", "decimal"):
        return _STRINGS
    if kind in ("int", "bool", "none", "model"):
        return _OTHERS
    if kind == "enum":
        return _STRINGS if node.get("sub_type") == "str" else None
    if kind == "literal":
        expected = node["expected"]
        if all(isinstance(value, str) for value in expected):
            return _STRINGS
        return _OTHERS if not any(isinstance(value, str) for value in expected) else None
    if kind == "chain":
        return _takes(node["steps"][0], defs)
    if kind == "function-after":
        return _takes(node["schema"], defs)
    if kind == "definition-ref" and node["schema_ref"] in defs:
        return _takes(defs[node["schema_ref"]], defs)
    return None


def _strings_of(node: Node, defs: dict[str, Node]) -> tuple[int, tuple[str, ...]] | None:
    """For a model whose every object gives ``2 * len(fields set) + a - (those of the names
    given that take no string)`` JSON strings, names included: ``(a, names)``; ``None`` for any
    other (a field that may take a string or not, a list, a nested model that may vary)."""
    while node.get("type") == "function-after":
        node = node["schema"]
    if node.get("type") != "model" or node["schema"].get("type") != "model-fields":
        return None
    a, optional = 0, []
    for name, field in node["schema"]["fields"].items():
        schema, required = field["schema"], True
        if schema.get("type") == "default":
            schema, required = schema["schema"], False
        takes = _takes(schema, defs)
        if takes is None:
            return None
        if takes == _STRINGS:
            continue
        inner = schema
        while inner.get("type") == "function-after":
            inner = inner["schema"]
        if inner.get("type") != "model" and _holds_model(inner):
            return None
        if not required:
            if inner.get("type") == "model":
                return None  # a nested model that may be there or not
            optional.append(name)
            continue
        a -= 1
        if inner.get("type") == "model":
            nested = _strings_of(inner, defs)
            if nested is None or nested[1]:
                return None  # a nested model that varies
            # Its names and string values: 2 * its fields + its own a.
            a += 2 * len(inner["schema"]["fields"]) + nested[0]
    return a, tuple(optional)
