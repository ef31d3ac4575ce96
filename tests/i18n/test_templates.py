"""No template shows users a word that does not go through gettext."""

from __future__ import annotations

import jinja2
import pytest

from tests.i18n.catalogue import ROOT
from tests.i18n.template_text import bare_text, bare_text_of


@pytest.fixture(scope="module")
def env():
    """A Jinja environment that lexes templates as the app's does (with the i18n extension)."""
    return jinja2.Environment(extensions=["jinja2.ext.i18n"])


def test_templates_have_no_bare_text(env):
    found = bare_text(env, ROOT / "templates")
    assert not found, "wrap these in _() or ngettext():\n" + "\n".join(map(str, found))


@pytest.mark.parametrize(
    "source,expected",
    [
        ("<p>Your seat is confirmed.</p>", ["text: Your seat is confirmed"]),
        ("<p>{{ _('Your seat is confirmed.') }} {{ name }}</p>", []),
        ("<p>\n\n  Hello {{ name }}</p>", ["text: Hello"]),
        ('<input placeholder="Your name">', ["placeholder: Your name"]),
        ('<button aria-label="Close" title="{{ _(\'Close\') }}"></button>', ["aria-label: Close"]),
        ('<img alt="{{ _(\'Logo\') }}" src="x.svg">', []),
        ("<p>{% if x %}Hello{% endif %}</p>", ["text: Hello"]),
        ("{% trans %}Hello {{ name }}{% endtrans %}", []),
        ("<p>GenoTher <b>Training</b> · Genopole, Evry — PDF, CSV</p>", []),
        ("<p>formation@genother.example, https://genother.example/verify</p>", []),
        ('<h1><span lang="fr">Feuille d\'émargement</span> / <span lang="{{ l }}">Sheet</span></h1>', ["text: Sheet"]),
        ("<script>const label = 'Hello';</script><!-- a note --><p>{# a note #}</p>", []),
    ],
)
def test_the_check_finds_words_outside_gettext(env, source, expected):
    found = bare_text_of(env, "sample.html", source)
    assert [f"{item.where}: {' '.join(item.words)}" for item in found] == expected


def test_the_check_reads_plain_text_emails_line_by_line(env):
    found = bare_text_of(env, "email/sample.txt", "{{ _('Hello %(name)s,', name=name) }}\n\nSee you soon\n")
    assert [(item.line, item.words) for item in found] == [(3, ("See", "you", "soon"))]
