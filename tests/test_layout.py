"""The package's layout as README's table shows it: a reader finds each module from the table."""

from __future__ import annotations

import ast
from pathlib import Path
import re

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "alexa_bridge"
MAX_ROOT_MODULES = 8


def _table_paths() -> set[str]:
    """Return every path README's "where things are handled" table names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| concern | module |", 1)[1].split("\n\n", 1)[0]
    names = re.findall(r"`([^`]+)`", table)
    return {name for name in names if name.endswith((".py", "/")) and not name.startswith("/")}


def _modules() -> list[Path]:
    """Return the package's Python modules, package markers left out."""
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def test_every_path_in_the_table_exists() -> None:
    """Name only files and folders that are really there."""
    missing = [
        path
        for path in _table_paths()
        if "<" not in path and not (PACKAGE / path.rstrip("/")).exists()
    ]
    assert missing == []


def test_every_module_is_in_the_table() -> None:
    """Cover each module, by its own name or by the folder that holds it."""
    named = _table_paths()
    folders = {path.rstrip("/") for path in named if path.endswith("/")}
    unlisted = [
        str(module.relative_to(PACKAGE))
        for module in _modules()
        if str(module.relative_to(PACKAGE)) not in named
        and not any(str(module.relative_to(PACKAGE)).startswith(f"{f}/") for f in folders)
    ]
    assert unlisted == []


def test_package_root_holds_only_wiring() -> None:
    """Keep the root to the entry points, the core, constants and errors."""
    root_modules = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(root_modules) <= MAX_ROOT_MODULES, root_modules


def _core_assignments(path: Path) -> list[str]:
    """Return `core.x = …` / `self.core.x = …` assignments in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if not isinstance(target, ast.Attribute):
                continue
            owner = target.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "core":
                found.append(f"{path.name}:{node.lineno} core.{target.attr}")
    return found
