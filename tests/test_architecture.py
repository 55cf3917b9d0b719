"""The house rules that hold the layout together: small modules, short functions, and tests
that mirror the modules they test. (The import direction is checked by `lint-imports`.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "web", "search", "indexer", "cmrclip", "catalog", "pacs", "segment", "reader",
            "vectorstore", "cmr_search", "phantom", "templates", "db", "accounts")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60  # outside phantom/, whose geometry keeps some long formulas together


def _python_files() -> list[Path]:
    folders = [*PACKAGES, "bench", "tests"]
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno is not None]


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _python_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_is_over_60_lines_outside_the_generator() -> None:
    long = [f"{p.relative_to(ROOT)}:{name} ({n} lines)" for p in _python_files()
            if "phantom" not in p.relative_to(ROOT).parts
            for name, n in _functions(p) if n > MAX_FUNCTION_LINES]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_tests_mirror_the_modules_they_test() -> None:
    """tests/<package>/test_<module>[_<aspect>].py tests <package>/<module>.py; a test of a
    module that was moved or renamed moves with it."""
    strays = []
    for test in (ROOT / "tests").glob("*/test_*.py"):
        package = test.parent.name
        words = test.stem.removeprefix("test_").split("_")
        names = ("_".join(words[:k]) for k in range(1, len(words) + 1))
        if package in PACKAGES and not any((ROOT / package / f"{n}.py").exists() for n in names):
            strays.append(str(test.relative_to(ROOT)))
    assert not strays, f"tests named after no module: {strays}"


def test_every_package_is_shipped() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for package in PACKAGES:
        assert f'"{package}*"' in pyproject, f"{package} is not in the wheel"
