"""Which language a page is in: the account's, else the visitor's choice, else the browser's, else French."""

from __future__ import annotations

import pytest

from tests.helpers import post_form
from tests.i18n.conftest import page_text
from training.extensions import db

FRENCH = "Se former à la thérapie génique, de la paillasse à la salle blanche"
ENGLISH = "Training in gene therapy, from the bench to the clean room"


def home(client, **headers) -> tuple[str, str]:
    """The home page's language attribute and its heading's language (by its text)."""
    html = client.get("/", headers=headers).get_data(as_text=True)
    text = page_text(html)
    assert (FRENCH in text) != (ENGLISH in text), "the heading is in exactly one language"
    return html.split('<html lang="', 1)[1].split('"', 1)[0], "fr" if FRENCH in text else "en"


@pytest.mark.parametrize(
    "accept_language,expected",
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("de-DE", "fr"),  # nothing we speak: the default, French
        ("", "fr"),
    ],
)
def test_a_visitor_gets_the_browsers_language_or_french(client, accept_language, expected):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
    assert home(client) == (expected, expected)


def test_a_visitors_choice_is_kept_in_their_session_without_a_csrf_token(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = client.post("/language", data={"locale": "en", "next": "/courses?track=research"})

    assert response.status_code == 302 and response.headers["Location"] == "/courses?track=research"
    assert home(client) == ("en", "en"), "the choice beats the browser's language"
    with client.session_transaction() as session:
        assert session["locale"] == "en"
    client.post("/language", data={"locale": "fr"})
    assert home(client, **{"Accept-Language": "en"}) == ("fr", "fr")


def test_the_switch_sends_nowhere_but_this_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post("/language", data={"locale": "en", "next": target})
        assert response.headers["Location"] == "/", target


def test_a_signed_in_choice_is_saved_on_the_account_and_follows_the_person(app, client, auth, learner):
    assert learner.locale == "en"
    auth.sign_in(learner)
    response = post_form(client, "/language", {"locale": "fr", "next": "/my/trainings"}, page="/my/trainings")
    assert response.headers["Location"] == "/my/trainings"
    db.session.refresh(learner)
    assert learner.locale == "fr"
    assert '<html lang="fr">' in client.get("/my/trainings").get_data(as_text=True)

    other_device = app.test_client()  # a fresh session, a browser that asks for English
    assert home(other_device) == ("en", "en")
    post_form(other_device, "/sign-in", {"email": learner.email, "password": "correct horse battery staple"})
    assert home(other_device) == ("fr", "fr"), "the account's language beats the browser's"


def test_the_accounts_language_beats_a_choice_made_before_signing_in(client, auth, learner):
    learner.locale = "fr"
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    assert home(client) == ("en", "en")

    auth.sign_in(learner)
    assert home(client) == ("fr", "fr")


def test_a_signed_in_switch_needs_the_csrf_token(client, auth, learner):
    auth.sign_in(learner)
    response = client.post("/language", data={"locale": "fr"})

    assert response.status_code == 400
    db.session.refresh(learner)
    assert learner.locale == "en"


def test_an_unknown_language_is_refused(client):
    assert client.post("/language", data={"locale": "de"}).status_code == 400
    assert home(client, **{"Accept-Language": "fr"}) == ("fr", "fr")
