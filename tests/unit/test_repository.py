# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about the repository that no single module test sees: versions agree, every file is where the docs say."""

from __future__ import annotations

import ast
import collections
import importlib
import inspect
import re
import typing as t
from pathlib import Path

import pytest
import yaml
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import COLLECTION_VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_the_user_agent_names_the_version_of_galaxy_yml() -> None:
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    assert COLLECTION_VERSION == galaxy["version"]


def test_the_version_in_development_is_after_the_last_release() -> None:
    changelog = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))
    released = [tuple(int(part) for part in version.split(".")) for version in changelog["releases"]]
    current = tuple(int(part) for part in COLLECTION_VERSION.split("."))
    assert released and current > max(released)


# --- one place for each thing -----------------------------------------------------------------------------

PLUGINS = ROOT / "plugins"
COLLECTION_PACKAGES = ("module_utils", "plugin_utils")


def _python_files() -> list[Path]:
    return sorted(PLUGINS.rglob("*.py"))


def _private_imports(path: Path) -> list[tuple[str, str, str]]:
    """(file, module, name) for every `_`-prefixed name of another collection file that ``path`` uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}
    found = []
    relative = str(path.relative_to(ROOT))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ansible_collections.crossaccount.aws."):
            last = node.module.rsplit(".", 1)[-1]
            for alias in node.names:
                if last in COLLECTION_PACKAGES:
                    modules[alias.asname or alias.name] = alias.name
                elif alias.name.startswith("_"):
                    found.append((relative, last, alias.name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules and node.attr.startswith("_"):
            found.append((relative, modules[node.value.id], node.attr))
    return found


def test_no_file_uses_another_file_s_private_names() -> None:
    assert [item for path in _python_files() for item in _private_imports(path)] == []


# The validation layer is one file per domain: each is imported under one alias wherever it is used, and the file of
# shared helpers depends on none of the domain files (they import its helpers, under public names).
VALIDATOR_ALIASES = {"_validators": "v", "_validators_session": "v_session", "_validators_organizations": "v_org",
                     "_validators_trust": "v_trust", "_validators_profiles": "v_profile"}


def test_every_validator_file_has_its_alias() -> None:
    assert {path.stem for path in (PLUGINS / "module_utils").glob("_validators*.py")} == set(VALIDATOR_ALIASES)


def test_each_validator_file_is_imported_under_its_one_alias() -> None:
    package = "ansible_collections.crossaccount.aws.plugins.module_utils"
    wrong = []
    for path in _python_files() + sorted((ROOT / "tests" / "unit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == package:
                wrong += [(path.name, alias.name, alias.asname) for alias in node.names
                          if alias.name in VALIDATOR_ALIASES and alias.asname != VALIDATOR_ALIASES[alias.name]]
    assert wrong == []


def test_the_shared_validators_import_no_domain_file() -> None:
    tree = ast.parse((PLUGINS / "module_utils" / "_validators.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= {node.module.rsplit(".", 1)[-1]} | {alias.name for alias in node.names}
    assert {name for name in imported if name in VALIDATOR_ALIASES} == set()


def _literal(node: ast.AST) -> t.Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set", "tuple") and node.args:
        try:
            return frozenset(ast.literal_eval(node.args[0]))
        except ValueError:
            return None
    return None


def test_every_constant_and_pattern_is_defined_once() -> None:
    constants: dict[str, list[str]] = collections.defaultdict(list)
    patterns: dict[str, list[str]] = collections.defaultdict(list)
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id.lstrip("_").isupper() and node.value is not None:
                    value = _literal(node.value)
                    # Numbers are left out: 3600 is the chaining cap and the longest wait, two things that agree by chance.
                    if value is not None and not isinstance(value, (bool, int, float)):
                        key = repr(sorted(value) if isinstance(value, (set, frozenset)) else value)
                        constants[key].append(f"{path.name}:{target.id}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile" and node.args:
                if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    patterns[node.args[0].value].append(path.name)
    assert {key: where for key, where in constants.items() if len(where) > 1} == {}
    assert {key: where for key, where in patterns.items() if len(where) > 1} == {}


# --- the module entry points (what an in-process runner builds on) ------------------------------------------

def _has_main(path: Path) -> bool:
    return any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in ast.parse(path.read_text(encoding="utf-8")).body)


# Modules whose file is documentation only: their action plugin always runs on the controller (access_ledger).
CONTROLLER_MODULES = sorted(path.stem for path in (PLUGINS / "modules").glob("*.py") if path.stem != "__init__" and not _has_main(path))
MODULES = sorted(path.stem for path in (PLUGINS / "modules").glob("*.py") if path.stem != "__init__" and path.stem not in CONTROLLER_MODULES)
MAIN = ["module = CrossAccountModule(ARGSPEC)", "run_module(module, handle)"]


@pytest.mark.parametrize("module", CONTROLLER_MODULES)
def test_a_module_without_main_is_documentation_of_its_action_plugin(module: str) -> None:
    tree = ast.parse((PLUGINS / "modules" / f"{module}.py").read_text(encoding="utf-8"))
    assert all(isinstance(node, (ast.Assign, ast.ImportFrom, ast.Expr)) for node in tree.body)
    assert (PLUGINS / "action" / f"{module}.py").is_file()


def _logic_file(module: str) -> str:
    tree = ast.parse((PLUGINS / "modules" / f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and any(alias.name == "handle" for alias in node.names):
            return node.module
    raise AssertionError(f"module {module} imports no handle")


@pytest.mark.parametrize("module", MODULES)
def test_every_main_is_the_same_three_lines(module: str) -> None:
    tree = ast.parse((PLUGINS / "modules" / f"{module}.py").read_text(encoding="utf-8"))
    main = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "main")
    assert [ast.unparse(statement) for statement in main.body] == MAIN


@pytest.mark.parametrize("module", MODULES)
def test_every_logic_file_exposes_the_entry_points(module: str) -> None:
    logic = importlib.import_module(_logic_file(module))
    assert isinstance(logic.ARGSPEC, ArgumentSpec)
    assert callable(logic.request_from_options) and callable(logic.handle)
    assert list(inspect.signature(logic.handle).parameters) == ["module"]
    assert any(name.endswith("Request") and inspect.isclass(value) for name, value in vars(logic).items())


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_an_action_plugin_running_its_logic_file(module: str) -> None:
    # The in-process runner calls the same ARGSPEC and handle as main(): the action plugin must name main()'s logic file.
    tree = ast.parse((PLUGINS / "action" / f"{module}.py").read_text(encoding="utf-8"))
    imported = {alias.asname or alias.name: f"{node.module}.{alias.name}" for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    action = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "ActionModule")
    logic = [imported.get(ast.unparse(node.value)) for node in action.body
             if isinstance(node, ast.Assign) and [ast.unparse(target) for target in node.targets] == ["LOGIC"]]
    assert logic == [_logic_file(module)]


# --- docs/architecture.md ----------------------------------------------------------------------------------

def _parameter_rows() -> list[list[str]]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Where a parameter goes", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| parameter")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_the_parameter_table_has_no_duplicate_rows() -> None:
    first = [row[0] for row in _parameter_rows()]
    assert len(first) == len(set(first))
    parameters = [name for cell in first for name in re.findall(r"`([a-z_]+)`", cell)]
    repeated = {name for name in parameters if parameters.count(name) > 1}
    # Options of two modules of the same name (state, tags, known_account_ids...) are named in each module's row.
    assert repeated <= {"state", "tags", "name", "path", "known_account_ids", "lint", "role_arn", "external_id", "purge_tags", "policy"}


def test_the_architecture_names_files_that_exist() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    utils = set(re.findall(r"\b(_[a-z_]+)\.(?:py\b|[A-Za-z_]+\b)", text))
    files = {path.stem for package in COLLECTION_PACKAGES for path in (PLUGINS / package).glob("_*.py")}
    assert {name for name in utils if not name.startswith("__")} - files == set()
    # ...and every module_utils file is in the tree.
    assert {path.stem for path in (PLUGINS / "module_utils").glob("_*.py")} - utils == set()
    for path in re.findall(r"`((?:modules|roles|doc_fragments|filter|lookup|inventory)/[A-Za-z_/.<>]+\.(?:py|yml))`", text):
        if "<" not in path:
            assert (PLUGINS / path).exists() or (ROOT / path).exists(), path
