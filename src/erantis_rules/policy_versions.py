"""A municipality's policy in time: dated versions (:class:`PolicyVersion`), the history of
them (:class:`PolicyHistory`), and their adoption as events in the store.

A municipality changes its terms every budget year. Each version is a whole
:class:`~erantis_rules.policy.Policy` with the day it applies from (``valid_from``); a version
applies until the ``valid_from`` of the next. A settlement period is judged by the version in
force on its first day, so a band changed from 1 January applies to January, never to
December. A single ``Policy`` is a history of one version, valid from the beginning of time.

Files
-----
:meth:`PolicyHistory.from_file` reads a TOML or JSON file, or a folder of them (``*.toml``,
``*.json``, in name order). A file holds

- a plain policy (the fields of ``Policy``): one version, valid from the beginning of time;
- one version: ``id`` and ``valid_from`` beside the policy's fields (``id`` defaults to the
  file's name without its suffix);
- several versions: a list ``versions``, each with ``id``, ``valid_from`` and the policy's
  fields.

Each version states a whole policy: a field it leaves out has erantis's default, not the
previous version's value (so a version reads on its own, and its digest says all it sets).

The store
---------
:func:`adopt` records a version as ``PolicyVersionAdopted`` (the policy as adopted, its
settlement terms and their digest); :meth:`PolicyHistory.from_store` reads every adopted
version back. Adopting the same version twice stores it once; adopting another version with
the same ``valid_from`` or ``id`` replaces the earlier one from then on (the later adoption
wins), and both stay in the store's history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, uuid5

from pydantic import TypeAdapter, ValidationError

from erantis_domain.errors import InvalidPolicyError
from erantis_domain.events import Event, PolicyVersionAdopted
from erantis_domain.events.team import POLICY_PERIOD, POLICY_TEAM
from erantis_domain.projections.settlement import SETTLEMENT_TIME_ZONE
from erantis_domain.projections.terms import SettlementTerms
from erantis_domain.values import Actor, Identifier, looks_like_cpr, period_bounds
from erantis_rules.policy import Policy, _read_policy_file

if TYPE_CHECKING:  # the store pulls in eventsourcing; only its type is needed here
    from erantis_domain.store import CaseStore

__all__ = ["PolicyHistory", "PolicyVersion", "adopt", "policy_document"]

_IDENTIFIER: TypeAdapter[str] = TypeAdapter(Identifier)
_NAMESPACE = uuid5(NAMESPACE_URL, "https://erantis.dk/policy-versions")
#: Fields of a version that are not the policy's.
_VERSION_KEYS = ("id", "valid_from")
#: Bound of a folder of versions: far above a municipality's budget years.
_MAX_FILES = 200


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """One version of a municipality's policy: its ``id``, the day it applies from
    (``None``: from the beginning of time) and the whole :class:`Policy`."""

    id: str
    valid_from: date | None
    policy: Policy

    @property
    def terms(self) -> SettlementTerms:
        """The settlement terms of this version."""
        return self.policy.settlement_terms()

    @property
    def terms_digest(self) -> str:
        """The digest of :attr:`terms` (:meth:`SettlementTerms.digest`), as a settlement
        records it."""
        return self.terms.digest()


class PolicyHistory:
    """The versions of a municipality's policy, ordered by ``valid_from``: which one is in
    force on a day, and for a settlement period."""

    __slots__ = ("_versions",)

    def __init__(self, versions: Iterable[PolicyVersion]) -> None:
        ordered = sorted(versions, key=lambda v: v.valid_from or date.min)
        if not ordered:
            raise InvalidPolicyError("a policy history needs at least one version")
        ids = [v.id for v in ordered]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise InvalidPolicyError(f"policy versions: id {twice[0]!r} is used twice")
        days = [v.valid_from for v in ordered]
        same = sorted({d or date.min for d in days if days.count(d) > 1})
        if same:
            shown = "the beginning of time" if same[0] == date.min else same[0].isoformat()
            raise InvalidPolicyError(f"policy versions: two versions are valid from {shown}")
        self._versions = tuple(ordered)

    @classmethod
    def single(
        cls, policy: Policy | None = None, *, version_id: str | None = None
    ) -> PolicyHistory:
        """One version, valid from the beginning of time (the defaults when ``policy`` is
        ``None``); its id is ``version_id`` or the policy's ``name``."""
        chosen = policy or Policy()
        return cls([PolicyVersion(version_id or chosen.name, None, chosen)])

    @classmethod
    def of(cls, policy: Policy | PolicyHistory | None) -> PolicyHistory:
        """``policy`` as a history: a history as it is, a single policy as one version."""
        return policy if isinstance(policy, PolicyHistory) else cls.single(policy)

    @property
    def versions(self) -> tuple[PolicyVersion, ...]:
        """Every version, by ``valid_from``."""
        return self._versions

    def __iter__(self) -> Iterator[PolicyVersion]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)

    def __repr__(self) -> str:
        return f"PolicyHistory({[v.id for v in self._versions]!r})"

    def version(self, version_id: str) -> PolicyVersion | None:
        """The version of that id, if there is one."""
        return next((v for v in self._versions if v.id == version_id), None)

    def in_force(self, day: date) -> PolicyVersion:
        """The version in force on ``day``: the last one valid from that day or before.
        Raises :class:`~erantis_domain.errors.InvalidPolicyError` when none is."""
        found = None
        for version in self._versions:
            if version.valid_from is None or version.valid_from <= day:
                found = version
        if found is None:
            first = self._versions[0]
            raise InvalidPolicyError(
                f"no policy version is in force on {day.isoformat()}: the first, "
                f"{first.id!r}, is valid from {first.valid_from}"
            )
        return found

    def for_period(self, period: str) -> PolicyVersion:
        """The version a settlement period is judged by: the one in force on its first day."""
        first, _ = period_bounds(period)
        return self.in_force(first)

    # --- reading ----------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> PolicyHistory:
        """The versions in a ``.toml`` or ``.json`` file, or in a folder of them (see the
        module's documentation). Errors name the file, the version and the field."""
        source = Path(path)
        if source.is_dir():
            files = sorted(
                p for p in source.iterdir() if p.suffix in (".toml", ".json") and p.is_file()
            )
            if not files:
                raise InvalidPolicyError(f"policy folder {source} holds no .toml or .json file")
            if len(files) > _MAX_FILES:
                raise InvalidPolicyError(
                    f"policy folder {source} holds more than {_MAX_FILES} files"
                )
            versions = [v for f in files for v in _versions_of(f, _read(f))]
        else:
            versions = _versions_of(source, _read(source))
        try:
            return cls(versions)
        except InvalidPolicyError as exc:
            raise InvalidPolicyError(f"policy {source}: {exc.message}") from None

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str = "<policy>") -> PolicyHistory:
        """The versions in a decoded document (one of the file forms)."""
        return cls(_versions_of(Path(source), data))

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> PolicyHistory | None:
        """The adopted versions among ``events`` (in recording order), or ``None`` when
        none was adopted."""
        adopted: dict[str, PolicyVersion] = {}
        for event in events:
            if not isinstance(event, PolicyVersionAdopted):
                continue
            version = _version_of_adoption(event)
            # A later adoption replaces an earlier one of the same id or the same day.
            adopted = {
                k: v
                for k, v in adopted.items()
                if k != version.id and v.valid_from != version.valid_from
            }
            adopted[version.id] = version
        return cls(adopted.values()) if adopted else None

    @classmethod
    def from_store(cls, store: CaseStore) -> PolicyHistory | None:
        """The versions adopted in ``store`` (one stream: read without a replay), or
        ``None`` when none was adopted."""
        return cls.from_events(store.team_events(POLICY_TEAM, POLICY_PERIOD))


def policy_document(policy: Policy) -> dict[str, Any]:
    """The whole policy as JSON data, every field spelt out and the tasks of each role in
    sorted order: the same policy gives the same document."""
    data: dict[str, Any] = policy.model_dump(mode="json")
    for name, value in data.items():
        if name.endswith("_by_role") and isinstance(value, dict):
            data[name] = {role: sorted(tasks) for role, tasks in sorted(value.items())}
    return data


def adopt(
    store: CaseStore, version: PolicyVersion, *, on: date, recorded_by: Actor
) -> PolicyVersionAdopted:
    """Record that ``version`` was adopted on ``on`` (``PolicyVersionAdopted``) and return
    the event. The same version adopted again is stored once: its event id is derived from
    its content, and the adoption recorded first is returned."""
    if version.valid_from is None:
        raise InvalidPolicyError(
            f"policy version {version.id!r} has no valid_from: an adopted version applies "
            "from a day"
        )
    document = policy_document(version.policy)
    text = json.dumps([version.id, version.valid_from.isoformat(), document], sort_keys=True)
    event = PolicyVersionAdopted(
        event_id=uuid5(_NAMESPACE, text),
        occurred_at=datetime.combine(on, time(12), tzinfo=SETTLEMENT_TIME_ZONE),
        recorded_by=recorded_by,
        version_id=version.id,
        valid_from=version.valid_from,
        policy=document,
        terms=version.terms,
        terms_digest=version.terms_digest,
    )
    # The same version adopted again (another day, by another actor) is the adoption already
    # recorded: its id is the version's content, and the first record of it stands.
    for recorded in store.team_events(POLICY_TEAM, POLICY_PERIOD):
        if recorded.event_id == event.event_id and isinstance(recorded, PolicyVersionAdopted):
            return recorded
    store.append([event])
    return event


# --- private ---------------------------------------------------------------------------------


def _read(source: Path) -> dict[str, Any]:
    data = _read_policy_file(source)
    if not isinstance(data, dict):
        raise InvalidPolicyError(f"policy file {source} is not an object")
    return data


def _versions_of(source: Path, data: dict[str, Any]) -> list[PolicyVersion]:
    if "versions" in data:
        entries = data["versions"]
        rest = sorted(k for k in data if k != "versions")
        if rest:
            raise InvalidPolicyError(
                f"policy file {source}: beside versions, no other field is allowed "
                f"(got {_key(rest[0])})"
            )
        if not isinstance(entries, list) or not entries:
            raise InvalidPolicyError(f"policy file {source}: versions must be a non-empty list")
        return [_version(source, f"versions[{i}]", entry, None) for i, entry in enumerate(entries)]
    if "valid_from" in data or "id" in data:
        return [_version(source, "", data, source.stem)]
    return [PolicyVersion(_plain_id(data), None, _policy(source, "", data))]


def _plain_id(data: dict[str, Any]) -> str:
    name = data.get("name", "default")
    return name if isinstance(name, str) else "default"


def _version(source: Path, where: str, entry: Any, default_id: str | None) -> PolicyVersion:
    at = f"{where}." if where else ""
    if not isinstance(entry, dict):
        raise InvalidPolicyError(f"policy file {source}: {where or 'version'} is not a table")
    version_id = entry.get("id", default_id)
    if version_id is None:
        raise InvalidPolicyError(f"policy file {source}: {at}id: is missing")
    try:
        version_id = _IDENTIFIER.validate_python(version_id, strict=True)
    except ValidationError as exc:
        problem = str(exc.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
        raise InvalidPolicyError(
            f"policy file {source}: {at}id: {problem} (got {_value(version_id)})"
        ) from None
    raw = entry.get("valid_from")
    valid_from = _day(raw)
    if valid_from is None:
        raise InvalidPolicyError(
            f"policy file {source}: {at}valid_from: must be a day YYYY-MM-DD (got {_value(raw)})"
        )
    fields = {k: v for k, v in entry.items() if k not in _VERSION_KEYS}
    return PolicyVersion(version_id, valid_from, _policy(source, at, fields))


def _policy(source: Path, at: str, fields: dict[str, Any]) -> Policy:
    try:
        return Policy.from_mapping(fields)
    except InvalidPolicyError as exc:
        detail = exc.message.removeprefix("invalid policy: ")
        if at:
            detail = "; ".join(f"{at}{part}" for part in detail.split("; "))
        raise InvalidPolicyError(f"policy file {source}: {detail}") from None


def _day(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return None  # a time of day is not a day
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    return None


def _value(raw: Any) -> str:
    if isinstance(raw, str) and looks_like_cpr(raw):
        return "<withheld: looks like a CPR number>"
    shown = repr(raw)
    return shown if len(shown) <= 40 else f"<{len(shown)} characters>"


def _key(name: str) -> str:
    return _value(name)


def _version_of_adoption(event: PolicyVersionAdopted) -> PolicyVersion:
    try:
        policy = Policy.from_mapping(dict(event.policy))
    except InvalidPolicyError as exc:
        raise InvalidPolicyError(
            f"adopted policy version {event.version_id!r} is not valid: {exc.message}"
        ) from None
    if policy.settlement_terms().digest() != event.terms.digest():
        raise InvalidPolicyError(
            f"adopted policy version {event.version_id!r}: its policy does not set the "
            "settlement terms recorded with it"
        )
    return PolicyVersion(event.version_id, event.valid_from, policy)
