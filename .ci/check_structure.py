"""The structure rules that import-linter cannot say (issue 14, docs/ARCHITECTURE.md).

- No import inside a function or class body reaches into another of the project's apps:
  cross-app imports are at the top of the module, where the layers contract sees them.
- No guard pretends another app may be missing (`apps.is_installed`, `apps.get_model` of a
  project app, `except ImportError` / `except LookupError` around a project import).
- No module over MAX_LINES lines, outside migrations and demo data.

Run by `make lint`; exits 1 and names each place that breaks a rule.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core",
    "sla",
    "accounts",
    "lifecycle",
    "notify",
    "incidents",
    "escalation",
    "knowledgebase",
    "notices",
    "cfmd",
    "portal",
]
MAX_LINES = 400
# Demo data is long by nature: rows, not logic.
LONG_FILES_ALLOWED = {"demo.py"}


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


def imported_modules(node: ast.AST, current: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: inside the current app
            return [current]
        return [node.module or ""]
    return []


def check_file(path: Path) -> list[str]:
    rel = path.relative_to(ROOT)
    app = rel.parts[0]
    problems = []
    text = path.read_text()
    lines = text.count("\n") + 1
    if lines > MAX_LINES and path.name not in LONG_FILES_ALLOWED:
        problems.append(f"{rel}: {lines} lines (at most {MAX_LINES}: split it by concern)")
    tree = ast.parse(text, filename=str(rel))
    nested = {}
    for outer in ast.walk(tree):
        if not isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(outer):
            for module in imported_modules(node, app):
                other = app_of(module)
                if other and other != app:
                    nested.setdefault((node.lineno, module), outer.name)  # the outermost body names it
    for (lineno, module), name in sorted(nested.items()):
        problems.append(f"{rel}:{lineno}: imports {module} inside {name}; import it at the top of the module")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name == "is_installed":
                problems.append(f"{rel}:{node.lineno}: apps.is_installed(): the project's apps are always there")
            first = node.args[0] if node.args else None
            if name == "get_model" and isinstance(first, ast.Constant) and first.value in APPS:
                problems.append(f"{rel}:{node.lineno}: get_model({first.value!r}, …): import the model")
        if isinstance(node, ast.Try):
            caught = {getattr(h.type, "id", None) for h in node.handlers if h.type is not None} | {
                getattr(e, "id", None) for h in node.handlers if isinstance(h.type, ast.Tuple) for e in h.type.elts
            }
            if caught & {"ImportError", "ModuleNotFoundError", "LookupError"}:
                body_imports = [m for stmt in node.body for sub in ast.walk(stmt) for m in imported_modules(sub, app)]
                body_calls = [
                    sub.func.attr
                    for stmt in node.body
                    for sub in ast.walk(stmt)
                    if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                ]
                if any(app_of(m) for m in body_imports) or "get_model" in body_calls:
                    problems.append(
                        f"{rel}:{node.lineno}: a guard for a missing app; the project's apps are always there"
                    )
    return problems


def main() -> int:
    problems = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            problems += check_file(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} structure problem(s): see docs/ARCHITECTURE.md")
        return 1
    print(f"structure: ok ({len(APPS)} apps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
