"""`flask users create` and `flask users import`."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import count_rows, post_form
from training.accounts.models import LearnerCategory, Role, User
from training.extensions import db

GOOD_PASSWORD = "bioréacteur à usage unique"


def test_create_with_a_password(runner, ctx):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Chef@Genother.example",
            "--role",
            "admin",
            "--role",
            "trainer",
            "--name",
            "Chef de projet",
            "--password",
            GOOD_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "chef@genother.example"
    assert user.role_set == {Role.ADMIN, Role.TRAINER}
    assert user.check_password(GOOD_PASSWORD)


def test_create_asks_for_the_password(runner, ctx):
    result = runner.invoke(
        args=["users", "create", "t@example.org", "--role", "trainer"], input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User)).check_password(GOOD_PASSWORD)


def test_create_refuses_a_weak_password_or_a_duplicate(runner, learner):
    result = runner.invoke(args=["users", "create", "x@example.org", "--password", "123456"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    result = runner.invoke(args=["users", "create", learner.email.upper(), "--password", GOOD_PASSWORD])
    assert result.exit_code != 0
    assert "already uses this email" in result.output
    assert count_rows(User) == 1


def test_import_creates_accounts_and_invites_those_without_password(runner, ctx, tmp_path, mailbox):
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email,organisation,category,role,password\n"
        f"Inès Roux,ines.roux@example.org,Genethon,employee,learner,{GOOD_PASSWORD}\n"
        "Paul Henry,Paul.Henry@example.org,Université d'Evry,student,learner,\n"
        "Dr Nadia Kaci,nadia.kaci@example.org,AP-HP,other,trainer,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 account(s); 2 invited" in result.output
    paul = db.session.scalar(sa.select(User).where(User.email == "paul.henry@example.org"))
    assert paul.category is LearnerCategory.STUDENT and paul.password_hash is None
    assert sorted(m["To"] for m in mailbox) == ["nadia.kaci@example.org", "paul.henry@example.org"]
    assert "/invitation/" in mailbox[0].get_body(("plain",)).get_content()


def test_import_reports_every_bad_row_and_imports_nothing(runner, learner, tmp_path, mailbox):
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email,organisation,category,role\n"
        "Good Person,good@example.org,Genethon,employee,learner\n"
        "No Email,not-an-email,Genethon,employee,learner\n"
        "Twice,good@example.org,Genethon,employee,learner\n"
        f"Exists,{learner.email},Genethon,employee,learner\n"
        ",empty.name@example.org,Genethon,astronaut,wizard\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code != 0
    output = result.output
    assert "line 3: bad email" in output
    assert "line 4: good@example.org already appears on line 2" in output
    assert f"line 5: {learner.email} already has an account" in output
    assert "line 6: the name is empty" in output
    assert "line 6: unknown category 'astronaut'" in output
    assert "line 6: unknown role 'wizard'" in output
    assert "nothing was imported" in output
    assert count_rows(User) == 1
    assert mailbox == []


def test_import_needs_the_columns(runner, ctx, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("nom,courriel\nA,a@example.org\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code != 0
    assert "line 1: missing column(s): name, email, organisation, category, role" in result.output


def test_invited_person_sets_a_password_and_signs_in(runner, client, ctx, tmp_path, mailbox):
    import re

    path = tmp_path / "people.csv"
    path.write_text("name,email,organisation,category,role\nZoé Blanc,zoe@example.org,Inserm,employee,learner\n")
    assert runner.invoke(args=["users", "import", str(path)]).exit_code == 0
    link = re.search(r"http://training\.test(/invitation/\S+)", mailbox[0].get_body(("plain",)).get_content())[1]
    response = post_form(client, link, {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert response.headers["Location"] == "/sign-in"
    response = post_form(client, "/sign-in", {"email": "zoe@example.org", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
