"""The checks a commit meets locally (pre-commit) are the ones CI enforces (`make check`)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _check_recipe() -> list[str]:
    """The commands of the Makefile's `check` target, with $(VENV) spelled out."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^check:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no check target"
    return [line.strip().replace("$(VENV)", ".venv") for line in recipe.group(1).splitlines()]


def _hook_commands() -> dict[str, str]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    return {hook["id"]: hook["entry"] for repo in config["repos"] for hook in repo["hooks"]}


def test_pre_commit_runs_the_tools_of_make_check():
    recipe = _check_recipe()
    hooks = _hook_commands()
    tools = {" ".join(command.split()[:2]) if "ruff" in command else command.split()[0] for command in recipe}
    assert tools == {".venv/bin/ruff check", ".venv/bin/ruff format", ".venv/bin/mypy"}
    for tool in tools:
        assert any(entry.startswith(tool) for entry in hooks.values()), f"no pre-commit hook runs {tool}"
    # mypy checks the configured tree in both places, not only the files a commit touches.
    assert hooks["mypy"] == ".venv/bin/mypy"
    assert ".venv/bin/mypy" in recipe
