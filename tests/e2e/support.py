"""What every end-to-end journey does on every page: check, screenshot, run axe.

A `Journey` opens browser contexts in one language and watches all their pages: a response
that is not 200 (or a redirect), a console error (CSP violations are reported there) or an
uncaught script error is a problem, and fails the journey at the next page it checks.
"""

from __future__ import annotations

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).parent / "screenshots"
REPORTED_IMPACTS = ("serious", "critical")
REDIRECTS = (301, 302, 303)

_axe = Axe()


class Journey:
    """One user journey in one language, across as many browser contexts as it needs."""

    def __init__(self, browser, base_url: str, name: str, locale: str):
        self.browser, self.base_url, self.name, self.locale = browser, base_url, name, locale
        self.pages_seen = 0
        self.violations: list[str] = []
        self.problems: list[str] = []
        self.contexts = []
        self.folder = SCREENSHOTS / locale
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob(f"{name}-*.png"):
            old.unlink()

    # ------------------------------------------------------------ browser contexts

    def new_page(self, **options):
        """A page in a new browser context (its own cookies) speaking the journey's language."""
        context = self.browser.new_context(locale=self.locale, base_url=self.base_url, **options)
        context.set_default_timeout(10_000)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.problems.append(f"script error: {error.error}"))
        context.on("response", self._on_response)
        self.contexts.append(context)
        return context.new_page()

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.page.url if message.page else "?"
            self.problems.append(f"console error on {where}: {message.text}")

    def _on_response(self, response) -> None:
        document = response.request.resource_type == "document"
        if (document and response.status not in (200, *REDIRECTS)) or response.status >= 400:
            self.problems.append(f"{response.status} for {response.request.method} {response.url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()

    # ------------------------------------------------------------ pages

    def open(self, page, path: str, label: str):
        """Go to `path`, check that it answers 200, and check the page."""
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        return self.seen(page, label)

    def submit(self, page, locator, label: str):
        """Click `locator` (a submit button or a link), follow redirects, and check the page reached."""
        with page.expect_navigation() as navigation:
            locator.click()
        response = navigation.value
        assert response is not None and response.status == 200, f"{page.url} answered {response and response.status}"
        return self.seen(page, label)

    def seen(self, page, label: str):
        """Check the page in the browser: no problem so far, its language; screenshot it and run axe."""
        page.wait_for_load_state("load")
        assert not self.problems, "\n".join(self.problems)
        assert page.locator("html").get_attribute("lang") == self.locale, f"html[lang] on {page.url}"
        self.pages_seen += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page.screenshot(
            path=self.folder / f"{self.name}-{self.pages_seen:02d}-{slug}.png", full_page=True, animations="disabled"
        )  # CSS transitions jump to their end state
        self._run_axe(page)
        return page

    def _run_axe(self, page) -> None:
        for violation in _axe.run(page).response["violations"]:
            if violation["impact"] in REPORTED_IMPACTS:
                for node in violation["nodes"]:
                    self.violations.append(
                        f"{violation['id']} ({violation['impact']}) at {node['target']} "
                        f"on {page.url}: {violation['help']}"
                    )

    # ------------------------------------------------------------ the end

    def assert_clean(self) -> None:
        """At the end of the journey: no problem, and no serious or critical axe violation."""
        assert not self.problems, "\n".join(self.problems)
        assert not self.violations, f"{len(self.violations)} accessibility violations:\n" + "\n".join(self.violations)


def number_in(text: str) -> int:
    """The first whole number in `text` ("Position 2 in line" -> 2), whatever the language."""
    match = re.search(r"\d+", text)
    assert match, f"no number in {text!r}"
    return int(match.group(0))


def sign_in(journey: Journey, page, email: str, then: str, label: str):
    """Sign in through the form, asking to land on `then` (checked as `label`)."""
    journey.open(page, f"/sign-in?next={then}", "sign-in")
    page.fill("main [name=email]", email)
    page.fill("main [name=password]", PASSWORD)
    journey.submit(page, page.locator("main [name=submit]"), label)
    assert page.url == journey.base_url + then, f"signed in at {page.url}, not {then}"
    return page
