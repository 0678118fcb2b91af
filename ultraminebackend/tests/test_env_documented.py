"""Every environment variable the code reads is documented: in the README's table and .env.example.

The variables are read off the code itself (calls of ``env.py``'s readers in settings.py, and
``os.environ.get`` in gunicorn.conf.py), so a new one that is not documented fails here, and so
does a documented one that nothing reads any more.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = {"env_str", "env_int", "env_bool", "env_list"}
# Read by the platform or Python itself, not by our settings: no row of their own.
NOT_OURS = {"DJANGO_SETTINGS_MODULE"}


def _literal_first_argument(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _names_read(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        is_reader = isinstance(function, ast.Name) and function.id in READERS
        is_environ_get = (
            isinstance(function, ast.Attribute)
            and function.attr == "get"
            and ast.unparse(function.value) == "os.environ"
        )
        if is_reader or is_environ_get:
            name = _literal_first_argument(node)
            assert name is not None, f"{path.name}: {ast.unparse(node)} reads a computed name"
            names.add(name)
    return names - NOT_OURS


def names_read_by_the_code() -> set[str]:
    return _names_read(ROOT / "ultraminebackend" / "settings.py") | _names_read(
        ROOT / "gunicorn.conf.py"
    )


def readme_table_names() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Environment\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_only_settings_read_the_environment():
    # env.py's readers are for settings.py alone: the rest reads django.conf.settings lazily.
    callers = [
        path.relative_to(ROOT)
        for folder in ("accounts", "core", "ai_agent", "content", "ultraminebackend")
        for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.parts
        and path.name not in {"settings.py", "env.py"}
        and re.search(r"\benv_(str|int|bool|list)\(", path.read_text())
    ]
    assert callers == []


def test_every_variable_read_is_in_the_readme_table():
    assert names_read_by_the_code() - readme_table_names() == set()


def test_every_variable_read_is_in_env_example():
    assert names_read_by_the_code() - env_example_names() == set()


def test_nothing_documented_is_unread():
    documented = readme_table_names() | env_example_names()
    assert documented - names_read_by_the_code() == set()


def test_the_reader_finds_what_settings_read():
    # The AST walk must see the readers' usual forms, or the tests above would pass vacuously.
    found = names_read_by_the_code()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "PORT", "GUNICORN_MAX_REQUESTS"} <= found
    assert len(found) > 50
