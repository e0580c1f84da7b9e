"""The shape of the code: which app may import which, no import circles, no file a newcomer has to scroll through.

Read from the source with `ast`, so a lazy import inside a function counts as much as one at the top:
both are a dependency a reader has to know about.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "newsroom"

# Who may import whom, from DESIGN.md's Layout. The shared modules (page cache, sanitiser, client address, background work)
# import no app; every app may import them. Nothing imports the project package but its own modules.
SHARED = {"pagecache", "sanitize", "clientip", "background"}
ALLOWED = {
    "pictures": set(),
    "articles": {"pictures"},
    "live": {"articles", "pictures"},
    "desk": {"articles", "pictures"},
    "comments": {"articles"},
    "pages": {"articles", "comments"},
    "pagecache": set(),
    "sanitize": set(),
    "clientip": set(),
    "background": set(),
}
APPS = sorted(ALLOWED)
LONGEST_FILE = 500


def python_files(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path):
    """The project modules `path` imports, by their full dotted names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            # `from . import reading` imports the module articles.reading, not a name in articles.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph():
    modules = {module_name(path): path for package in APPS + [PROJECT] for path in python_files(package)}
    return {name: {other for other in imports_of(path) if other in modules and other != name} for name, path in modules.items()}


def cycle_from(start, edges):
    """A list of modules that import each other in a circle through `start`, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, trail = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == start:
                return trail + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, trail + [nxt]))
    return None


def app_of(module):
    return module.split(".")[0]


def test_no_two_modules_import_each_other_in_a_circle():
    edges = graph()
    circles = {tuple(sorted(set(c))) for m in edges if (c := cycle_from(m, edges))}
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in sorted(circles))


def test_no_app_imports_the_project_package():
    arrows = sorted(
        f"{module} -> {other}"
        for module, others in graph().items()
        if app_of(module) != PROJECT
        for other in others
        if app_of(other) == PROJECT
    )
    assert not arrows, arrows


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_it_may_know(app):
    allowed = ALLOWED[app] | SHARED | {app}
    arrows = sorted(
        f"{module} -> {other}"
        for module, others in graph().items()
        if app_of(module) == app
        for other in others
        if app_of(other) not in allowed
    )
    assert not arrows, arrows


def test_no_file_but_a_migration_is_longer_than_five_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for package in APPS + [PROJECT]
        for path in python_files(package)
        if (lines := len(path.read_text().splitlines())) > LONGEST_FILE
    }
    assert not long, long


@pytest.mark.parametrize("app", [app for app in APPS if (ROOT / app / "apps.py").exists()])
def test_each_app_says_what_it_owns_and_what_it_may_import(app):
    docstring = (ast.get_docstring(ast.parse((ROOT / app / "__init__.py").read_text())) or "").lower()
    assert "owns" in docstring and "import" in docstring, f"{app}/__init__.py: {docstring!r}"
