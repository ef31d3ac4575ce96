"""Find text in templates that users see but that does not go through gettext.

Each template is read with Jinja's lexer: every expression (`{{ ... }}`) becomes a marker,
tags (`{% ... %}`), comments and `{% trans %}` blocks disappear, and what is left, the
template's own text, is read as HTML. Words left in text nodes, or in the attributes that
hold visible text, are strings no catalogue can translate.

Two kinds of words are not the page's language and are left alone: names and marks that
read the same in every language (`ALLOWED_WORDS`, the product's name), and text inside an
element whose `lang` attribute fixes its language (`<span lang="fr">Feuille
d'émargement</span>` on the attendance sheet, which always carries the legal French name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import jinja2

EXPRESSION = "\ue000"  # stands for a {{ ... }} in the rebuilt template
ALLOWED_WORDS = frozenset({"GenoTher", "Genopole", "Evry", "PDF", "CSV", "QR", "API", "BPF", "SVG", "Qualiopi"})
# The product's name, also when markup sits between its two words.
BRAND = re.compile(r"GenoTher(?:\s|<[^<>]*>)+Training\b")
VISIBLE_ATTRIBUTES = frozenset(
    {
        "placeholder",
        "title",
        "alt",
        "aria-label",
        "aria-description",
        "aria-placeholder",
        "aria-roledescription",
        "aria-valuetext",
        "label",
    }
)
URL_OR_EMAIL = re.compile(r"\b(?:https?://|mailto:|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
NOT_TEXT = frozenset({"script", "style"})
TRANS_TAGS = {"trans": True, "pluralize": True, "endtrans": False}


@dataclass(frozen=True)
class BareText:
    """Words of a template that reach users untranslated."""

    template: str
    line: int
    where: str  # "text", or the attribute holding the words
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"templates/{self.template}:{self.line}: {self.where}: {' '.join(self.words)}"


def bare_words(text: str) -> tuple[str, ...]:
    """The words of `text` that are not names, marks, URLs or email addresses."""
    text = URL_OR_EMAIL.sub(" ", BRAND.sub(" ", text.replace(EXPRESSION, " ")))
    return tuple(word for word in WORD.findall(text) if word not in ALLOWED_WORDS)


def template_data(env: jinja2.Environment, source: str) -> str:
    """The template's own text: expressions as a marker, tags, comments and trans blocks gone.

    Newlines are kept, so line numbers stay those of the template.
    """
    parts: list[str] = []
    in_trans = False
    first_name_of_tag: bool = False
    for _line, kind, value in env.lex(source):
        if kind == "data" and not in_trans:
            parts.append(value)
            continue
        if kind == "variable_begin" and not in_trans:
            parts.append(EXPRESSION)
        elif kind == "block_begin":
            first_name_of_tag = True
        elif kind == "name" and first_name_of_tag:
            in_trans = TRANS_TAGS.get(value, in_trans)
            first_name_of_tag = False
        parts.append("\n" * value.count("\n"))
    return "".join(parts)


class _Collector(HTMLParser):
    """Collect the untranslated words of one template's HTML."""

    def __init__(self, template: str):
        super().__init__(convert_charrefs=True)
        self.template = template
        self.found: list[BareText] = []
        self.open: list[tuple[str, bool]] = []  # (element, its text is in a fixed language)

    def handle_starttag(self, tag, attrs):
        fixed = self._fixed_language() or any(
            name == "lang" and value and EXPRESSION not in value for name, value in attrs
        )
        if tag not in VOID_ELEMENTS:
            self.open.append((tag, fixed))
        if fixed:
            return
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES or (name == "value" and ("type", "submit") in attrs):
                self._check(value or "", name)

    def handle_endtag(self, tag):
        if any(name == tag for name, _fixed in self.open):
            while self.open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self._fixed_language() and not (self.open and self.open[-1][0] in NOT_TEXT):
            self._check(data, "text")

    def _fixed_language(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def _check(self, text: str, where: str) -> None:
        if words := bare_words(text):
            self.found.append(BareText(self.template, self.getpos()[0], where, words))


def bare_text_of(env: jinja2.Environment, name: str, source: str) -> list[BareText]:
    """The untranslated visible text of one template (`.txt` templates are plain text)."""
    data = template_data(env, BRAND.sub(lambda match: "\n" * match.group().count("\n"), source))
    if name.endswith(".txt"):
        return [
            BareText(name, number, "text", words)
            for number, line in enumerate(data.splitlines(), 1)
            if (words := bare_words(line))
        ]
    collector = _Collector(name)
    collector.feed(data)
    collector.close()
    return collector.found


def bare_text(env: jinja2.Environment, root: Path) -> list[BareText]:
    """Every piece of untranslated visible text in the `.html` and `.txt` templates under `root`."""
    found: list[BareText] = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".html", ".txt"):
            found += bare_text_of(env, path.relative_to(root).as_posix(), path.read_text(encoding="utf-8"))
    return found
