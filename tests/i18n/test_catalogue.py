"""The French catalogue holds a translation of every string the code and templates show.

The messages are extracted from the sources at test time, with babel.cfg and the Makefile's
keywords, so a string added without its translation fails here, naming where it is used.
"""

from __future__ import annotations

import ast

import pytest

from tests.i18n.catalogue import (
    FRENCH_MO,
    ROOT,
    babel_keywords,
    compiled_french_catalogue,
    extracted_catalogue,
    french_catalogue,
    label,
    placeholder_problems,
    translations,
    where,
)

GETTEXT_FUNCTIONS = {
    "gettext",
    "ngettext",
    "pgettext",
    "npgettext",
    "lazy_gettext",
    "lazy_ngettext",
    "lazy_pgettext",
    "lazy_npgettext",
}


@pytest.fixture(scope="module")
def extracted():
    return extracted_catalogue()


@pytest.fixture(scope="module")
def french():
    return french_catalogue()


def python_sources():
    return sorted([*(ROOT / "training").rglob("*.py"), ROOT / "config.py"])


def test_the_sources_hold_the_messages_we_know(extracted):
    """A guard on the extraction itself: Python (plain, lazy, plural, with context) and templates."""
    assert extracted.get("Audit log") is not None and extracted.get("My trainings") is not None
    assert extracted.get("Trainer").pluralizable
    assert extracted.get("P", context="attendance code: present") is not None
    paths = {path.split("/")[0] for message in extracted for path, _line in message.locations}
    assert paths == {"training", "templates"}
    assert len(extracted) > 800


def test_every_string_is_translated(extracted, french):
    problems = []
    for message in extracted:
        if not message.id:
            continue
        translated = french.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"{where(message)}: {label(message)} is not in the French catalogue")
        elif translated.fuzzy:
            problems.append(f"{where(message)}: {label(message)} is fuzzy: check its translation")
        elif translated.pluralizable != message.pluralizable:
            problems.append(f"{where(message)}: {label(message)} is plural in one place only")
        elif message.pluralizable and (len(translated.string) != french.num_plurals or not all(translated.string)):
            problems.append(
                f"{where(message)}: {label(message)} lacks a plural form "
                f"({french.num_plurals} needed): {list(translated.string)}"
            )
        elif not translated.string:
            problems.append(f"{where(message)}: {label(message)} has an empty translation")
    assert not problems, "run `make messages`, then translate:\n" + "\n".join(problems)


def test_the_catalogue_is_french_with_two_plural_forms(french):
    assert str(french.locale) == "fr"
    assert (french.num_plurals, french.plural_expr) == (2, "(n > 1)")
    assert not french.fuzzy, "a fuzzy header makes pybabel skip the whole catalogue"
    assert french.get(("%(num)d person", "%(num)d people")).string == ("%(num)d personne", "%(num)d personnes")


def test_translations_keep_the_placeholders(french):
    problems = [
        f"{where(message)}: {label(message)}: {problem}"
        for message in french
        if message.id and message.string
        for problem in placeholder_problems(message)
    ]
    assert not problems, "\n".join(problems)


def test_the_placeholder_check_catches_a_lost_or_renamed_placeholder():
    from babel.messages.catalog import Message

    assert placeholder_problems(Message("Hello %(name)s", "Bonjour %(name)s")) == []
    assert placeholder_problems(Message("Hello %(name)s", "Bonjour"))
    assert placeholder_problems(Message("Hello %(name)s", "Bonjour %(nom)s"))
    assert placeholder_problems(Message("%(num)d h", "%(num)s h"))
    assert placeholder_problems(Message("Rate (%%)", "Taux (%)"))
    assert placeholder_problems(Message(("%(num)d seat", "%(num)d seats"), ("%(num)d place", "places"))) != []
    assert placeholder_problems(Message(("Trainer", "Trainers"), ("Formateur", "Formateurs"))) == []


def test_the_compiled_catalogue_matches_the_po(french):
    """The app reads the .mo: `make install` (or `make translations`) compiles it from the .po."""
    if not FRENCH_MO.exists():
        pytest.fail(f"{FRENCH_MO.relative_to(ROOT)} is missing: run `make translations`")
    compiled, written = translations(compiled_french_catalogue()), translations(french)
    stale = sorted(
        str(key[1])
        for key in written.keys() ^ compiled.keys()
        | {key for key in written.keys() & compiled.keys() if written[key] != compiled[key]}
    )
    assert not stale, "the .mo is older than the .po: run `make translations`\n" + "\n".join(stale[:20])


def test_gettext_functions_are_imported_under_names_babel_extracts():
    """`from flask_babel import lazy_ngettext as _n` would hide every `_n(...)` string from Babel."""
    keywords = babel_keywords()
    unknown = []
    for path in python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                unknown += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: {alias.asname or alias.name}"
                    for alias in node.names
                    if alias.name in GETTEXT_FUNCTIONS and (alias.asname or alias.name) not in keywords
                ]
    assert not unknown, "add these names to BABEL_KEYWORDS in the Makefile:\n" + "\n".join(unknown)


def test_no_gettext_call_inside_an_f_string():
    """Babel cannot see `f"{_('x')}"` on Python 3.11: the string would never be translated."""
    keywords = babel_keywords()
    hidden = []
    for path in python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                hidden += [
                    f"{path.relative_to(ROOT)}:{call.lineno}"
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) in keywords
                ]
    assert not hidden, "move these gettext calls out of their f-string:\n" + "\n".join(hidden)
