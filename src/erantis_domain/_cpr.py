"""The one CPR detector of erantis, with no dependency inside the package so that the errors
module can use it too (every coded error's message passes through :func:`redact_cpr`)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["WITHHELD", "looks_like_cpr", "redact_cpr"]

#: What a message shows in place of a CPR-shaped value.
WITHHELD = "<withheld>"

# Separators people (and other systems) type inside a CPR number. ASCII: space, tab and the
# other control whitespace, and the punctuation that turns up between the groups (``.`` ``-``
# ``/`` ``\\`` ``_`` ``+`` ``:`` ``,`` ``;`` ``'``). Beyond ASCII, every character of the
# Unicode categories below is a separator: spaces of any width (no-break, thin, ideographic
# ...), line and paragraph separators, controls, invisible format characters (zero-width
# space, soft hyphen, BOM) and every dash. Normalising first means one list, not a list of
# code points that misses the next one.
_ASCII_SEPARATORS = " \t\n\r\v\f.-/\\_+:,;'"
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Pd"})
# Separators outside those categories: minus sign, division and fraction slash, middle dot.
_OTHER_SEPARATORS = frozenset("\u2212\u2215\u2044\u00b7\u2022\u2027")
_TO_SPACE = str.maketrans(dict.fromkeys(_ASCII_SEPARATORS, " "))
# A backslash escape is how a repr (click's messages, a log) shows a no-break space or a tab:
# "010170\\xa01234" is still the number to a reader.
_ESCAPE = re.compile(
    r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]{1,40}\}|[tnrvf])"
)
# A few separators between two groups ("010170 - 1234" is one number to a reader), or one
# escape sequence (up to ten characters once each is a space).
_SEP = " {0,10}"
_CPR = re.compile(
    rf"(?<!\d)(?:0[1-9]|[12]\d|3[01]){_SEP}(?:0[1-9]|1[0-2]){_SEP}\d{{2}}{_SEP}\d{{4}}(?!\d)"
)


def _normalised(text: str) -> str:
    """``text`` with every decimal digit (Arabic-Indic, fullwidth ...) as ASCII and every
    separator (see :data:`_ASCII_SEPARATORS`, :data:`_SEPARATOR_CATEGORIES`) and every
    backslash escape as spaces: one character for one, so spans match ``text``'s."""
    if "\\" in text:
        text = _ESCAPE.sub(lambda match: " " * len(match.group()), text)
    if text.isascii():
        return text.translate(_TO_SPACE)
    out = []
    for char in text:
        if char.isascii():
            out.append(char.translate(_TO_SPACE))
        elif char.isdecimal():
            out.append(str(unicodedata.decimal(char, 0)))
        elif (
            unicodedata.category(char) in _SEPARATOR_CATEGORIES
            or char.isspace()
            or char in _OTHER_SEPARATORS
            # Fullwidth and small forms of the ASCII separators (fullwidth solidus, colon ...).
            or unicodedata.normalize("NFKC", char).translate(_TO_SPACE).isspace()
        ):
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def redact_cpr(text: str) -> str:
    """``text`` with every CPR-shaped part replaced by ``<withheld>``.

    The last guard of every message erantis writes (errors, the command line's output and
    log): a value that should have been withheld at its source is withheld here all the same.
    Normalising maps one character to one, so a match's span is the same in ``text``.
    """
    normalised = _normalised(text)
    if _CPR.search(normalised) is None:
        return text
    out: list[str] = []
    last = 0
    for match in _CPR.finditer(normalised):
        out.append(text[last : match.start()])
        out.append(WITHHELD)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def looks_like_cpr(text: str) -> bool:
    """Whether ``text`` contains something shaped like a Danish CPR number.

    A CPR number is ``DDMMYY-XXXX`` or ``DDMMYYXXXX`` with a plausible day and month. The one
    detector of erantis: it also knows the forms people and other systems produce, digits in
    any script (Arabic-Indic, fullwidth ...) and up to three separators between the groups:
    any space (no-break, thin, ideographic, tab), any dash or minus, dot, slash, backslash,
    underscore, plus, colon, comma, semicolon, apostrophe, or an invisible format character
    (zero-width space, soft hyphen). Identifiers in erantis are pseudonymous keys, so such a
    value is refused rather than stored, and withheld from every message.
    """
    return _CPR.search(_normalised(text)) is not None
