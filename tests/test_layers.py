"""Imports run one way: ``survey_app`` on top, ``pipeline`` and ``exports`` below, ``survey_db``
at the bottom.

Every module of the lower packages is parsed (not imported), so an import inside a function, a
relative import or ``importlib.import_module("...")`` with a literal name counts as much as one
at the top of the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Each lower package and the packages it must never import (any of their submodules).
FORBIDDEN = {
    "survey_db": ("survey_app", "pipeline", "exports"),
    "pipeline": ("survey_app",),
    "exports": ("survey_app",),
}


def module_name(path: Path) -> str:
    """``pipeline/runner.py`` -> ``pipeline.runner``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def dynamic_import(node: ast.Call) -> str | None:
    """The literal name of ``importlib.import_module("x")`` or ``__import__("x")``, else None."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in {"import_module", "__import__"} or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def imported_names(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module name ``source`` imports, with its line, wherever in the file it stands."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join([*base, name] if name else base)
            found.append((node.lineno, name))
            # ``from . import views`` names modules too.
            found.extend((node.lineno, f"{name}.{alias.name}".lstrip(".")) for alias in node.names)
        elif isinstance(node, ast.Call) and (name := dynamic_import(node)):
            found.append((node.lineno, name))
    return found


def breaks(name: str, forbidden: tuple[str, ...]) -> bool:
    """Whether the module ``name`` is one of ``forbidden`` or inside one of them."""
    return any(name == top or name.startswith(f"{top}.") for top in forbidden)


def violations(package: str) -> list[str]:
    """``path:line imports name`` for each import of ``package`` that the layering forbids."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        module = module_name(path)
        is_package = path.name == "__init__.py"
        for line, name in imported_names(path.read_text("utf-8"), module, is_package):
            if breaks(name, FORBIDDEN[package]):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(package: str) -> None:
    assert list((ROOT / package).rglob("*.py")), f"{package}/ holds no module: the walk is wrong"
    assert violations(package) == []


def test_the_walk_finds_lazy_relative_and_dynamic_imports() -> None:
    """The checker itself: each way of importing a forbidden module is caught."""
    source = """
import os
from survey_db.models import Base
from .tagger import tag_text


def later():
    import survey_app.db
    from survey_app import create_app


def dynamic():
    import importlib
    importlib.import_module("survey_app.admin")


class Inside:
    from .. import survey_app
"""
    names = [name for _, name in imported_names(source, "pipeline.runner", is_package=False)]
    flagged = [name for name in names if breaks(name, FORBIDDEN["pipeline"])]
    assert sorted(flagged) == [
        "survey_app",  # from survey_app import ...
        "survey_app",  # from .. import survey_app, relative to pipeline/
        "survey_app.admin",
        "survey_app.create_app",
        "survey_app.db",
    ]
    assert "pipeline.tagger" in names
    assert not breaks("survey_apple", ("survey_app",))
