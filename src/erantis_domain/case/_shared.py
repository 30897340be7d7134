"""Private: case records with few objects for the garbage collector to walk.

A warm engine keeps a municipality's case states for as long as it runs, and a full collection
walks every object they hold that the collector tracks. A pydantic model is its instance, its
``__dict__`` (untracked once it holds only atomic values) and its fields-set (a ``set``: always
tracked). Folding therefore shares what equal records can share: one fields-set per set of
names, and one object per distinct value record (a legal basis, a frame) read from events.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import TypeVar

from pydantic import BaseModel

__all__ = ["interned", "interned_tuple", "shared", "shared_fields_set", "updated"]

_M = TypeVar("_M", bound=BaseModel)

#: Fields-sets by their names. A frozen model never changes its own fields-set and pydantic
#: copies it before it changes a copy's (``model_copy``), so models can share one.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
#: Value records by type, fields and fields set, and tuples of them by their items' ids (the
#: items are kept alive by their own entries while the tuple's is there).
_VALUES: dict[tuple[object, ...], object] = {}
#: Bounds on the two tables: beyond them nothing more is shared (fields-sets), or the table
#: starts again (values); either way the records are the same, only more objects.
_MAX_FIELDS_SETS = 4096
_MAX_VALUES = 65536

# Sets an attribute of a frozen model: only on a model nobody has seen yet.
_set = object.__setattr__


def shared_fields_set(names: Set[str]) -> set[str]:
    """The one fields-set of these names that models share (not to be changed)."""
    key = frozenset(names)
    found = _FIELDS_SETS.get(key)
    if found is None:
        found = set(key)
        if len(_FIELDS_SETS) < _MAX_FIELDS_SETS:
            found = _FIELDS_SETS.setdefault(key, found)
    return found


def shared(model: _M) -> _M:
    """A model just built, its fields-set swapped for the equal shared one."""
    _set(model, "__pydantic_fields_set__", shared_fields_set(model.__pydantic_fields_set__))
    return model


def updated(model: _M, changes: Mapping[str, object]) -> _M:
    """What ``model.model_copy(update=changes)`` builds (fields in the same order, the fields
    set grown by the changes' names), without pydantic's generic copy, its fields-set shared."""
    fields = model.__dict__.copy()
    fields.update(changes)
    if len(fields) != len(model.__dict__):  # pragma: no cover - a programming error
        unknown = sorted(fields.keys() - model.__dict__.keys())
        raise TypeError(f"{type(model).__name__} has no field {unknown}")
    new = _new(type(model))
    _set(new, "__dict__", fields)
    fields_set = model.__pydantic_fields_set__
    if not fields_set.issuperset(changes):
        fields_set = shared_fields_set(fields_set | changes.keys())
    _set(new, "__pydantic_fields_set__", fields_set)
    _set(new, "__pydantic_extra__", None)
    _set(new, "__pydantic_private__", None)
    return new


_new = object.__new__


def interned(value: _M) -> _M:
    """The one shared record equal to ``value`` (same type, fields and fields set): a frozen
    value record read from an event (a legal basis, a frame), not one per decision."""
    key = (type(value), frozenset(value.__pydantic_fields_set__), *value.__dict__.values())
    found = _VALUES.get(key)
    if found is None:
        if len(_VALUES) >= _MAX_VALUES:
            _VALUES.clear()
        found = _VALUES.setdefault(key, value)
    assert type(found) is type(value)
    return found


def interned_tuple(values: tuple[_M, ...]) -> tuple[_M, ...]:
    """The one shared tuple of the interned records equal to ``values``, in order."""
    if not values:
        return values
    items = tuple(map(interned, values))
    key = (tuple, *map(id, items))
    found = _VALUES.get(key)
    if found is None:
        if len(_VALUES) >= _MAX_VALUES:
            _VALUES.clear()
        found = _VALUES.setdefault(key, items)
    return found  # type: ignore[return-value]
