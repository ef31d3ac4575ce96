"""The messages of the code and the French catalogue, read with Babel as `make messages` does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "training" / "translations"
FRENCH_PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
FRENCH_MO = FRENCH_PO.with_suffix(".mo")
# A %-conversion: named ("%(num)d"), a literal percent ("%%"), or any other lone "%".
PERCENT = re.compile(r"%\((?P<name>\w+)\)[#0 +-]*\d*(?:\.\d+)?(?P<type>[a-zA-Z])|%%|%")


def babel_keywords() -> dict:
    """Babel's default keywords plus the Makefile's BABEL_KEYWORDS (`_l`, `lazy_gettext`, ...)."""
    line = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("BABEL_KEYWORDS"))
    return {**DEFAULT_KEYWORDS, **parse_keywords(line.split("=", 1)[1].split())}


def extracted_catalogue() -> Catalog:
    """Every message the sources hold, found as `pybabel extract -F babel.cfg` finds them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    catalogue = Catalog()
    for path, line, message, comments, context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=babel_keywords(),
        strip_comment_tags=True,
        # As the Makefile's --ignore-dirs: Babel would skip templates/_macros (it skips _* folders).
        directory_filter=lambda path: not Path(path).name.startswith("."),
    ):
        catalogue.add(message, None, [(path, line)], auto_comments=comments, context=context)
    return catalogue


def french_catalogue() -> Catalog:
    """The French catalogue as written by translators."""
    with open(FRENCH_PO, "rb") as po:
        return read_po(po, locale="fr")


def compiled_french_catalogue() -> Catalog:
    """The French catalogue the app loads (the compiled .mo)."""
    with open(FRENCH_MO, "rb") as mo:
        return read_mo(mo)


def translations(catalogue: Catalog) -> dict:
    """{(context, msgid): msgstr} of the translated, non-fuzzy messages; plurals as tuples."""

    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(m.context, plain(m.id)): plain(m.string) for m in catalogue if m.id and m.string and not m.fuzzy}


def where(message: Message) -> str:
    """Where a message is used: "training/x.py:12, templates/y.html:3" (at most three places)."""
    places = [f"{path}:{line}" for path, line in message.locations[:3]]
    return ", ".join(places) or "no longer used"


def label(message: Message) -> str:
    """The message's msgid (its singular for a plural), with its context if any."""
    msgid = message.id[0] if message.pluralizable else message.id
    return f"{message.context} | {msgid!r}" if message.context else repr(msgid)


@dataclass(frozen=True)
class Percents:
    """The %-conversions of a string: named placeholders with their type, and literal percents."""

    named: frozenset[tuple[str, str]]
    literal: int  # "%%"
    lone: int  # a "%" that is not a conversion (strings formatted with no variables)

    @classmethod
    def of(cls, text: str) -> Percents:
        """Read the conversions of `text`."""
        matches = list(PERCENT.finditer(text))
        return cls(
            frozenset((m["name"], m["type"]) for m in matches if m["name"]),
            sum(m.group() == "%%" for m in matches),
            sum(m.group() == "%" for m in matches),
        )

    def names(self) -> set[str]:
        """The placeholder names."""
        return {name for name, _type in self.named}


def placeholder_problems(message: Message) -> list[str]:
    """How the translation's %-conversions differ from the msgid's, in words (empty: they agree).

    A translation may use any placeholder its msgid or msgid_plural has; it must keep every one
    of them, except that a plural's singular forms may leave out `num` ("Formateur" for 1), and
    the same literal percents, which newstyle gettext in templates always formats.
    """
    if message.pluralizable:
        singular, plural = (Percents.of(text) for text in message.id)
        forms = list(message.string)
        expected = [(singular, {"num"})] * (len(forms) - 1) + [(plural, set())]
        allowed = singular.names() | plural.names()
        return [
            problem
            for form, (wanted, optional) in zip(forms, expected, strict=True)
            for problem in _compare(Percents.of(form), wanted, allowed, optional, form=form)
        ]
    return _compare(Percents.of(message.string), Percents.of(message.id), set(), optional=set(), form=message.string)


def _compare(got: Percents, wanted: Percents, allowed: set[str], optional: set[str], form: str) -> list[str]:
    problems = []
    missing = wanted.names() - got.names() - optional
    extra = {name for name in got.names() - wanted.names() if name not in allowed}
    types = {name for name, kind in got.named if name in wanted.names() and (name, kind) not in wanted.named}
    if missing:
        problems.append(f"{form!r} lacks {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"{form!r} adds {', '.join(sorted(extra))}")
    if types:
        problems.append(f"{form!r} changes the type of {', '.join(sorted(types))}")
    if (got.literal, got.lone) != (wanted.literal, wanted.lone):
        problems.append(
            f"{form!r} has {got.literal} '%%' and {got.lone} lone '%', the msgid {wanted.literal} and {wanted.lone}"
        )
    return problems
