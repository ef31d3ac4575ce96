"""The shared template macros: the CSRF-protected POST form and the pager of every list."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import render_template_string

from training.catalogue.queries import CataloguePage, CatalogueQuery


@pytest.fixture
def render(app):
    """Render a template snippet in a request, as a page would be."""

    def render(source: str, **context) -> str:
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            return render_template_string(source, **context)

    return render


def pagination(page: int, pages: int, numbers: list[int | None]) -> SimpleNamespace:
    """What the pager reads of Flask-SQLAlchemy's Pagination."""
    return SimpleNamespace(page=page, pages=pages, iter_pages=lambda: iter(numbers))


def page_links(html: str) -> list[tuple[str, str]]:
    """(text, href) of each page item, '-' for an item without a link."""
    items = re.findall(r'<li class="page-item[^"]*">(.*?)</li>', html, re.S)
    found = []
    for item in items:
        href = re.search(r'href="([^"]*)"', item)
        text = re.sub(r"<[^>]+>|\s+", "", item)
        found.append((text, href.group(1) if href else "-"))
    return found


PAGER = '{% from "_macros/pagination.html" import pager %}{{ pager(p, "admin.users", q=q, role=None) }}'


def test_the_pager_keeps_the_filters_and_names_the_current_page(render):
    html = render(PAGER, p=pagination(2, 9, [1, 2, 3, 4, None, 8, 9]), q="é b")
    assert '<nav aria-label="Pages">' in html
    assert page_links(html) == [
        ("‹Previouspage", "/admin/users?q=%C3%A9+b"),
        ("1", "/admin/users?q=%C3%A9+b"),
        ("2", "/admin/users?q=%C3%A9+b&amp;page=2"),
        ("3", "/admin/users?q=%C3%A9+b&amp;page=3"),
        ("4", "/admin/users?q=%C3%A9+b&amp;page=4"),
        ("…", "-"),
        ("8", "/admin/users?q=%C3%A9+b&amp;page=8"),
        ("9", "/admin/users?q=%C3%A9+b&amp;page=9"),
        ("›Nextpage", "/admin/users?q=%C3%A9+b&amp;page=3"),
    ]
    assert re.findall(r'href="([^"]*)" aria-current="page"', html) == ["/admin/users?q=%C3%A9+b&amp;page=2"]


def test_the_pager_disables_previous_on_the_first_page_and_next_on_the_last(render):
    first = page_links(render(PAGER, p=pagination(1, 2, [1, 2]), q=None))
    last = page_links(render(PAGER, p=pagination(2, 2, [1, 2]), q=None))
    assert first[0] == ("‹Previouspage", "-") and first[-1] == ("›Nextpage", "/admin/users?page=2")
    assert last[0] == ("‹Previouspage", "/admin/users") and last[-1] == ("›Nextpage", "-")


def test_a_single_page_has_no_pager(render):
    assert "<nav" not in render(PAGER, p=pagination(1, 1, [1]), q=None)


@pytest.mark.parametrize(
    "page,numbers",
    [
        (1, [1, 2, 3, None, 20]),
        (5, [1, None, 3, 4, 5, 6, 7, None, 20]),
        (10, [1, None, 8, 9, 10, 11, 12, None, 20]),
        (18, [1, None, 16, 17, 18, 19, 20]),
    ],
)
def test_the_catalogue_links_the_first_the_last_and_two_pages_each_side(page, numbers):
    results = CataloguePage(items=[], total=20 * 12, query=CatalogueQuery(page=page, per_page=12))
    assert (results.page, results.pages, list(results.iter_pages())) == (page, 20, numbers)


def test_a_post_button_sends_its_token_and_hidden_fields(render):
    html = render(
        '{% from "_macros/forms.html" import post_button %}'
        '{% call post_button("/approve", class="btn", hidden={"next": "/back", "empty": ""}) %}'
        'Approve <span class="visually-hidden">Léa</span>{% endcall %}'
    )
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', html)
    assert '<input type="hidden" name="next" value="/back">' in html and 'name="empty"' not in html
    assert '<button class="btn">Approve <span class="visually-hidden">Léa</span></button>' in html


def test_a_post_button_without_token_for_the_anonymous_language_switch(render):
    html = render(
        '{% from "_macros/forms.html" import post_button %}'
        '{{ post_button("/language", "English", "btn", attrs={"name": "locale", "value": "en"}, csrf=False) }}'
    )
    assert "csrf_token" not in html
    assert '<button class="btn" name="locale" value="en">English</button>' in html
