"""`flask users create` and `flask users import`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from training.accounts import services
from training.accounts.models import LearnerCategory, Role
from training.errors import DomainError
from training.extensions import db

users_cli = AppGroup("users", help="Create and import user accounts.")

IMPORT_COLUMNS = ("name", "email", "organisation", "category", "role")


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    type=click.Choice([r.value for r in Role]),
    multiple=True,
    default=["learner"],
    show_default=True,
    help="Repeat to give several roles.",
)
@click.option("--name", default=None, help="Full name (defaults to the part of the email before the @).")
@click.option("--organisation", default="")
@click.option("--password", default=None, help="Asked for (hidden) when not given.")
def create_user_command(
    email: str, roles: tuple[str, ...], name: str | None, organisation: str, password: str | None
) -> None:
    """Create a confirmed account with the given roles."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            None,
            email=email,
            name=name or email.split("@")[0],
            password=password,
            organisation=organisation,
            roles={Role(r) for r in roles},
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


@dataclass
class ImportRow:
    line: int
    name: str
    email: str
    organisation: str
    category: LearnerCategory
    role: Role
    password: str | None


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_users_command(path: Path) -> None:
    """Import accounts from a CSV file: name, email, organisation, category, role[, password].

    Every row is checked first; when any row is wrong, each problem is reported with its
    line number and nothing is imported. People without a password are invited by email.
    """
    rows, problems = read_import_file(path)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported.")
    invited = 0
    for row in rows:
        user = services.create_user(
            None,
            email=row.email,
            name=row.name,
            organisation=row.organisation,
            category=row.category,
            roles={row.role},
            password=row.password,
            confirmed=True,
            action="user.imported",
        )
        if row.password is None:
            services.send_invitation(user)
            invited += 1
    db.session.commit()
    click.echo(f"Imported {len(rows)} account(s); {invited} invited by email to choose a password.")


def read_import_file(path: Path) -> tuple[list[ImportRow], list[str]]:
    """Parse and check every row; return the rows and the problems (each naming its line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [], ["line 1: the file is not UTF-8 text"]
    reader = csv.DictReader(text.splitlines(), skipinitialspace=True)
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [f"line 1: missing column(s): {', '.join(missing)}"]
    rows: list[ImportRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        row, row_problems = _check_row(line, raw, seen)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append("the file holds no account")
    return rows, problems


def _check_row(line: int, raw: dict, seen: dict[str, int]) -> tuple[ImportRow | None, list[str]]:
    values = {key: (raw.get(key) or "").strip() for key in (*IMPORT_COLUMNS, "password")}
    problems = []
    if not values["name"]:
        problems.append(f"line {line}: the name is empty")
    try:
        email = validate_email(values["email"], check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        email = ""
        problems.append(f"line {line}: bad email {values['email']!r}: {error}")
    if email and email in seen:
        problems.append(f"line {line}: {email} already appears on line {seen[email]}")
    elif email and services.find_user(email) is not None:
        problems.append(f"line {line}: {email} already has an account")
    seen.setdefault(email, line)
    if values["category"] not in {c.value for c in LearnerCategory}:
        problems.append(
            f"line {line}: unknown category {values['category']!r} "
            f"(use one of: {', '.join(c.value for c in LearnerCategory)})"
        )
    if values["role"] not in {r.value for r in Role}:
        problems.append(f"line {line}: unknown role {values['role']!r} (use learner, trainer or admin)")
    if values["password"]:
        try:
            services.check_password_strength(values["password"], (values["name"], email))
        except DomainError as error:
            problems.append(f"line {line}: password refused: {error}")
    if problems:
        return None, problems
    return ImportRow(
        line,
        values["name"],
        email,
        values["organisation"],
        LearnerCategory(values["category"]),
        Role(values["role"]),
        values["password"] or None,
    ), []
