"""The shape of `pages/`: the layer packages, imports that only point down, no import cycles.

The layers are import-linter contracts in pyproject.toml (`make lint` runs them too); this test runs
them with every test run, and checks what a contract cannot say: that no module sits outside a layer,
and that no two modules import each other, at the top or inside a function.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("content", "store", "sync", "site", "editing")
# Django's fixed places in an app: the glue that wires the layers into Django.
APP_GLUE = {"__init__.py", "admin.py", "apps.py", "models.py", "urls.py"}


def test_the_layer_contracts_hold():
    """Imports only point down (editing and site → sync → store → content) and content stays pure."""
    # In its own process: import-linter reconfigures the logging of the process it runs in.
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--config", "pyproject.toml"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_module_lives_in_a_layer():
    loose = sorted(path.name for path in (ROOT / "pages").glob("*.py") if path.name not in APP_GLUE)
    assert loose == [], f"modules outside the layer packages {LAYERS}: {loose}"
    packages = sorted(path.name for path in (ROOT / "pages").iterdir() if (path / "__init__.py").is_file())
    assert set(LAYERS) <= set(packages)


def test_content_touches_no_database():
    """`pages/content` is pure: no model, no database, no contrib app, at the top or inside a function."""
    reaching = []
    for path in sorted((ROOT / "pages" / "content").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            reaching += [
                f"{path.name}:{node.lineno} {name}"
                for name in names
                if name.startswith(("django.db", "django.contrib", "pages.models"))
            ]
    assert reaching == []


def test_no_two_modules_import_each_other():
    """No import cycle, counting imports inside functions (which hide a cycle from Python, not from a
    reader); imports for type checking only are left out."""
    graph = grimp.build_graph("pages", exclude_type_checking_imports=True, cache_dir=None)
    cycles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                chain = graph.find_shortest_chain(importer=imported, imported=module)
                cycles.add(" -> ".join((module, *chain)))
    assert sorted(cycles) == []
