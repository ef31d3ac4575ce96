"""Production installs only what the app runs with: the runtime lock holds no development or test
tool, and pins every package exactly as the development lock does (one resolution, two sets)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    return {package.lower(): version for package, version in PIN.findall((ROOT / name).read_text())}


def test_the_runtime_lock_has_no_development_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    dev_tools = {
        re.split(r"[<>=\[ ]", requirement)[0].lower()
        for requirement in project["project"]["optional-dependencies"]["dev"]
    }
    runtime = pins("requirements.lock")
    assert {"pytest", "playwright", "ruff", "hypothesis"} <= dev_tools
    assert dev_tools.isdisjoint(runtime), dev_tools & set(runtime)
    assert {"flask", "weasyprint", "sqlalchemy", "gunicorn", "celery"} <= set(runtime)


def test_runtime_pins_are_those_of_the_development_lock():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {package: dev.get(package) for package in runtime} == runtime


def test_production_installs_the_runtime_lock_and_tests_the_development_one():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(STAMP): requirements.lock" in makefile
    assert "$(DEV_STAMP): requirements-dev.lock" in makefile
    assert re.search(r"^test: install-dev$", makefile, re.MULTILINE)
