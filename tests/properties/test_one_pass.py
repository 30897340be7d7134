"""The one-pass path of ``parse_event`` against its oracle, the strict decoder: on any event,
mutated or written oddly (names repeated, whitespace, escapes), whatever the one-pass path
vouches for, the strict decoder accepts as the very same event."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from erantis_domain.errors import ErantisError
from erantis_domain.events.decode import _FAST, _parse_strict
from erantis_domain.testing import events
from tests.factories import make
from tests.properties._support import mutated

_as_dicts = events().map(lambda e: e.model_dump(mode="json"))


def _agrees(text: str | bytes) -> None:
    fast = _FAST.parse(text)
    if fast is None:
        return
    try:
        strict = _parse_strict(text)
    except ErantisError as exc:  # pragma: no cover - the failure this test exists to catch
        raise AssertionError(f"vouched for what the strict decoder refuses: {exc}") from None
    assert fast == strict
    assert fast.model_dump_json() == strict.model_dump_json()


@st.composite
def _written(draw: st.DrawFn, data: dict[str, Any]) -> str:
    """``data`` as JSON text, compact or spaced, ASCII or not, maybe with one name repeated
    (at the top or one level down) or whitespace inside."""
    compact = draw(st.booleans())
    text = json.dumps(
        data,
        separators=(",", ":") if compact else (", ", ": "),
        ensure_ascii=draw(st.booleans()),
    )
    action = draw(st.sampled_from(["as is", "repeat", "repeat nested", "space", "newline"]))
    colon = '":' if compact else '": '
    names = [part.rsplit('"', 1)[-1] for part in text.split(colon)[:-1]]
    if action in ("repeat", "repeat nested") and names:
        name = draw(st.sampled_from(names))
        value = draw(st.sampled_from(['"x"', "1", "null", '"2026-10-01"', "true"]))
        at = text.index(f'"{name}{colon}') if action == "repeat nested" else 1
        text = text[:at] + f'"{name}{colon}{value},' + text[at:]
    elif action == "space":
        text = text.replace(colon, '" :', draw(st.integers(1, 3)))
    elif action == "newline":
        text = text.replace(",", ",\n", draw(st.integers(1, 3)))
    return text


@given(_as_dicts.flatmap(_written))
def test_what_the_one_pass_path_vouches_for_the_strict_decoder_accepts_alike(text: str) -> None:
    _agrees(text)
    _agrees(text.encode("utf-8", "surrogatepass"))


@given(_as_dicts.flatmap(mutated).flatmap(_written))
def test_on_mutated_events_the_one_pass_path_never_vouches_for_a_refusal(text: str) -> None:
    _agrees(text)


#: Characters a label may or may not hold: digits and the separators of a CPR number, Latin-1
#: letters, spaces of other widths, invisible and control characters, other scripts.
_LABEL_CHARS = st.sampled_from(
    list("0123456789 .-/_+:,;'\\") + list("aZÆøåÿ×§") + ["\u00a0", "\u200b", "\t", "\u0664", "Ж"]
)


@given(st.text(_LABEL_CHARS, min_size=0, max_size=40))
def test_a_label_the_one_pass_path_vouches_for_the_strict_decoder_accepts_alike(
    label: str,
) -> None:
    # given any label as an institution and as a legal basis's act and regime
    admitted = make("CitizenAdmitted", institution=label)
    basis = {"act": label, "paragraph": "83", "regime": label}
    rejected = make("VisitationRejected", legal_basis=basis)
    for data in (admitted, rejected):
        for ascii_only in (True, False):
            text = json.dumps(data, ensure_ascii=ascii_only)
            _agrees(text)
            _agrees(text.encode("utf-8", "surrogatepass"))
