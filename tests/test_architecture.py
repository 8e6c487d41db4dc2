"""The house plan, checked by reading the code: imports point down the layers, route modules hold no SQL, and
only inventory touches inventory's tables. Runs on every `make test`, so the layout stays true as code is added."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
# Lower first: a domain imports only from lower ones (and from the shared modules at app/ top level and app/mail).
LAYERS = ["accounts", "venues", "events", "seating", "tickets", "orders", "checkin", "ops"]
SHARED_PACKAGES = {"mail"}
# Where the app is put together: these may import every domain.
COMPOSITION_ROOTS = {"app.main", "app.models", "app.seed", "app.cli"}
ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "route", "websocket"}
FORBIDDEN_IN_ROUTES = ("select(", "update(", "insert(", "execute(", "commit(")
INVENTORY_TABLES = "app.seating.models"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every app module the file imports (`from app.x import y` counts app.x.y when y is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in MODULES or name.split(".")[0] in {"tests", "bench"}}


def _domain(module: str) -> str | None:
    """The layer a module belongs to; None for shared modules."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in SHARED_PACKAGES or parts[1] not in LAYERS:
        return None
    return parts[1]


def _rank(module: str) -> int:
    domain = _domain(module)
    return -1 if domain is None else LAYERS.index(domain)


def _is_route_module(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Name) and target.id in ROUTE_DECORATORS:
                    return True
    return False


ROUTE_MODULES = [module for module, path in MODULES.items() if _is_route_module(path)]


def test_every_app_package_is_placed_in_a_layer():
    packages = {path.relative_to(APP).parts[0] for path in MODULES.values() if path.parent != APP}
    assert packages <= set(LAYERS) | SHARED_PACKAGES


@pytest.mark.parametrize("module", sorted(set(MODULES) - COMPOSITION_ROOTS))
def test_imports_point_down_the_layers(module):
    upward = [
        imported
        for imported in sorted(_imports(MODULES[module]))
        if imported in MODULES and _rank(imported) > _rank(module) and imported not in COMPOSITION_ROOTS
    ]
    assert not upward, f"{module} (layer {_domain(module) or 'shared'}) imports from a higher layer: {upward}"
    assert not any(imported.split(".")[0] in {"tests", "bench"} for imported in _imports(MODULES[module]))


def test_route_modules_are_found():
    assert {"app.seating.pages", "app.seating.api", "app.orders.pages", "app.events.manage"} <= set(ROUTE_MODULES)


@pytest.mark.parametrize("module", ROUTE_MODULES)
def test_route_modules_run_no_sql_and_commit_nothing(module):
    source = MODULES[module].read_text()
    code = "\n".join(re.sub(r"#.*$", "", line) for line in source.splitlines())
    found = [call for call in FORBIDDEN_IN_ROUTES if call in code]
    assert not found, f"{module} must call a service instead of {found}"


@pytest.mark.parametrize("module", ROUTE_MODULES)
def test_route_files_follow_the_naming_convention(module):
    assert module.rsplit(".", 1)[1] in {"pages", "manage", "api", "webhooks", "probes"}


def test_only_inventory_touches_inventory_tables():
    outside = [
        module
        for module, path in MODULES.items()
        if INVENTORY_TABLES in _imports(path)
        and not module.startswith("app.seating")
        and module not in COMPOSITION_ROOTS
    ]
    assert not outside, f"only app.seating may use seat, area, cart and hold rows: {outside}"


def test_sql_functions_live_beside_their_callers_and_every_one_is_installed():
    from app.seating.functions import FILES, SIGNATURES, SQL_DIR

    assert sorted(FILES) == sorted(path.name for path in SQL_DIR.glob("*.sql"))
    created = set()
    for name in FILES:
        created.update(re.findall(r"CREATE OR REPLACE FUNCTION (\w+)\(", (SQL_DIR / name).read_text()))
    assert created == {signature.split("(")[0] for signature in SIGNATURES}
    # Nothing else defines SQL functions: the migrations install these files.
    for migration in (PROJECT_ROOT / "migrations" / "versions").glob("*.py"):
        assert "CREATE FUNCTION" not in migration.read_text().upper().replace("OR REPLACE ", "")
