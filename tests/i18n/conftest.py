"""French-speaking people and a course to look at, and how to read a page's text."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from tests.factories import SessionFactory, certify, enrol
from tests.i18n.catalogue import french_catalogue
from training.extensions import db

# A Monday far enough ahead to stay upcoming: the pages show it as "2 déc. 2030".
SESSION_DAY = date(2030, 12, 2)
PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%%")
VISIBLE_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label", "value")


@pytest.fixture
def french_people(learner, trainer, admin):
    """The learner, the trainer and the admin, each with French as their language."""
    for user in (learner, trainer, admin):
        user.locale = "fr"
    db.session.commit()
    return {"learner": learner, "trainer": trainer, "admin": admin}


@pytest.fixture
def french_course(french_people):
    """A session on 2 December 2030 that the trainer teaches, the learner's seat and certificate."""
    session = SessionFactory(day=SESSION_DAY, trainers=[french_people["trainer"]])
    enrolment = enrol(session, french_people["learner"])
    certificate = certify(
        enrolment,
        french_people["admin"],
        "french-certificate-code-0123456789",
        "GT-FR-0001",
        pdf=b"%PDF-1.7 a French certificate",
        locale="fr",
    )
    return {
        "session": session,
        "course": session.course,
        "slot": session.slots[0],
        "enrolment": enrolment,
        "certificate": certificate,
        "learner": french_people["learner"],
    }


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        self.parts += [value for name, value in attrs if name in VISIBLE_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def page_text(html: str) -> str:
    """What a reader sees or hears of a page: its text and labelling attributes, spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    return collapse(" ".join(parser.parts))


def collapse(text: str) -> str:
    """Runs of white space (no-break spaces included) as one plain space."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def english_sentences() -> list[str]:
    """Pieces of msgids of four words or more that read differently in French.

    A msgid with placeholders gives its longest piece of text between them; a reader should
    meet none of these on a French page.
    """
    sentences = set()
    for message in french_catalogue():
        if not message.id or not message.string:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        for msgid in ids:
            piece = max(PLACEHOLDER.split(msgid), key=len).strip(" .,:;")
            if len(piece.split()) >= 4 and not any(piece in collapse(text) for text in strings):
                sentences.add(collapse(piece))
    return sorted(sentences)


def english_in(text: str, sentences: list[str]) -> list[str]:
    """The English sentences that `text` holds."""
    text = collapse(text)
    return [sentence for sentence in sentences if sentence in text]
