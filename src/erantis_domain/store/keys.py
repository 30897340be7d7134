"""Encryption at rest of the personal data in stored events (AES-256-GCM).

A :class:`FieldCipher` holds named keys and the one new data is encrypted with. Given to a
store (``CaseStore.sqlite(..., cipher=...)``), it encrypts, in every stored event, the free
text (reasons, notes, goals, agreements, outcomes of a course, instruction references,
institutions) and the actor ids (``recorded_by.actor_id``, carers, delegators, delegates), and
each snapshot as a whole. Identifiers of cases, teams and decisions stay in clear: they are
pseudonymous keys the store is indexed by.

Each value is sealed with a fresh 96-bit nonce and bound (as associated data) to its stream,
position and field, so a ciphertext copied to another row or field does not decrypt. The key
id is stored with each value, so old keys keep working after a rotation
(:meth:`~erantis_domain.store.CaseStore.rotate_key` re-encrypts every row with the current
key). Digests cover the plain text, so they keep their meaning across rotations.

The same keys key the digest chain of the events (:meth:`FieldCipher.mac`): each key id has a
MAC key derived from its key, and a keyed digest names its key id (``<key id>:<hex>``), so a
rotation leaves older digests checkable as long as their key id is given.

Needs the ``encryption`` extra (``cryptography``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from erantis_domain.errors import StoreConfigurationError, StoreKeyError

__all__ = ["FieldCipher"]

_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
#: Free-text fields (any event) and actor-id fields, encrypted when a cipher is configured.
_TEXT = ("reason", "reasons", "note", "institution", "instruction_ref")
_TEXT_LISTS = ("goals", "agreements")
_ACTORS = ("carer_id", "delegator_id", "delegate_id")
_SEALED = (*_TEXT, *_ACTORS)
#: A course's outcome is free text too.
_COURSE_ENDED = (*_SEALED, "outcome")


class FieldCipher:
    """Named AES-256 keys (32 bytes each) and the id of the one to encrypt with."""

    __slots__ = ("_aead", "_checks", "_current", "_macs")

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError:  # pragma: no cover - the extra is part of the dev environment
            raise StoreConfigurationError(
                "encryption needs the 'encryption' extra: pip install 'erantis[encryption]'"
            ) from None
        for key_id, key in keys.items():
            if not _KEY_ID.fullmatch(key_id):
                raise StoreConfigurationError(
                    "a key id must be 1-32 ASCII letters, digits, '.', '_' or '-'"
                )
            if not isinstance(key, bytes) or len(key) != 32:
                # Neither the key nor its length in a message: only that it is wrong.
                raise StoreConfigurationError(f"key {key_id} is not 32 bytes (AES-256)")
        if current not in keys:
            raise StoreConfigurationError("the current key id is not among the keys")
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._checks = {key_id: _check_value(key) for key_id, key in keys.items()}
        # A key of its own for the chain: neither the AES key nor its check value.
        self._macs = {
            key_id: hmac.digest(key, b"erantis chain key 1", "sha256")
            for key_id, key in keys.items()
        }
        self._current = current

    @staticmethod
    def generate_key() -> bytes:
        """A new random 256-bit key."""
        return os.urandom(32)

    @property
    def current(self) -> str:
        """The id of the key new data is encrypted with."""
        return self._current

    def seal(self, text: str, context: str) -> str:
        """``text`` encrypted with the current key, bound to ``context``: ``<key id>:<base64>``."""
        nonce = os.urandom(12)
        sealed = self._aead[self._current].encrypt(nonce, text.encode("utf-8"), context.encode())
        return f"{self._current}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, token: str, context: str) -> str:
        """The text of a token made by :meth:`seal` for the same ``context``. Raises
        :class:`~erantis_domain.errors.StoreKeyError` when its key is unknown or wrong, or the
        token was altered or moved."""
        from cryptography.exceptions import InvalidTag

        key_id, _, data = token.partition(":")
        aead = self._aead.get(key_id)
        if aead is None:
            shown = key_id if _KEY_ID.fullmatch(key_id) else "<malformed>"
            raise StoreKeyError(f"stored data is encrypted with key {shown}, which is not given")
        try:
            raw = base64.b64decode(data, validate=True)
            return aead.decrypt(raw[:12], raw[12:], context.encode()).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise StoreKeyError(
                f"stored data does not decrypt with key {key_id}: a wrong key, or the "
                "ciphertext was altered or moved"
            ) from None

    def check_values(self) -> dict[str, str]:
        """A check value per key id: a keyed digest of a fixed text, which tells whether a
        key is the one a store was written with, and nothing about the key itself."""
        return dict(self._checks)

    def mac(self, text: str, key_id: str | None = None) -> str:
        """A keyed digest of ``text`` (HMAC-SHA256) under ``key_id`` (the current key by
        default), as ``<key id>:<hex>``: what chains the events of a store opened with this
        cipher. Raises :class:`~erantis_domain.errors.StoreKeyError` when the key id is not
        among the keys."""
        kid = self._current if key_id is None else key_id
        key = self._macs.get(kid)
        if key is None:
            shown = kid if _KEY_ID.fullmatch(kid) else "<malformed>"
            raise StoreKeyError(
                f"the store's digest chain is keyed with key {shown}, which is not given"
            )
        return f"{kid}:{hmac.digest(key, text.encode('utf-8', 'surrogatepass'), 'sha256').hex()}"

    def key_of(self, token: str) -> str:
        """The key id a token was sealed with."""
        return token.partition(":")[0]


def _check_value(key: bytes) -> str:
    return hmac.new(key, b"erantis key check value 1", hashlib.sha256).hexdigest()[:32]


def _changed(value: Any, path: str, change: Callable[[str, str], str]) -> Any:
    """A text list's item: a text, or an object whose ``text`` is the text (an agreement)."""
    if isinstance(value, str):
        return change(value, path)
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return {**value, "text": change(value["text"], f"{path}.text")}
    return value


def transform(event: Mapping[str, Any], change: Callable[[str, str], str]) -> dict[str, Any]:
    """A copy of an event's JSON with ``change(value, path)`` applied to every field that
    holds personal data (see the module docstring); other fields untouched."""
    out = dict(event)
    names = _COURSE_ENDED if out.get("type") == "RehabilitationCourseEnded" else _SEALED
    for name in names:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = change(value, name)
    for name in _TEXT_LISTS:
        values = out.get(name)
        if isinstance(values, list):
            out[name] = [_changed(v, f"{name}.{i}", change) for i, v in enumerate(values)]
    recorded_by = out.get("recorded_by")
    if isinstance(recorded_by, dict) and isinstance(recorded_by.get("actor_id"), str):
        actor = change(recorded_by["actor_id"], "recorded_by.actor_id")
        out["recorded_by"] = {**recorded_by, "actor_id": actor}
    return out
