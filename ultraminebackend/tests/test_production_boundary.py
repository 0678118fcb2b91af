"""Production installs and imports production: the image's requirements.txt holds no test, lint or
bench tool, what is installed agrees with itself (``pip check``), and no app module imports the
test support (``testsupport/``)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Tools that belong to development only (requirements-dev.txt), by their normalised names.
DEV_ONLY = re.compile(
    r"^(pytest(-.*)?|moto|hypothesis|schemathesis|pyinstrument|ruff|time-machine|freezegun|"
    r"coverage|py-spy|mypy|black|flake8|isort|faker|factory-boy|responses|locust)$"
)


def requirement_names(path: Path) -> list[str]:
    """The distribution names a requirements file pins (normalised), ignoring ``-r`` lines."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name = re.split(r"[\[=<>!~; ]", line, maxsplit=1)[0]
        names.append(re.sub(r"[-_.]+", "-", name).lower())
    return names


def test_production_requirements_hold_no_development_tool():
    names = requirement_names(ROOT / "requirements.txt")
    assert "django" in names  # the parser reads the file it is meant to
    assert [name for name in names if DEV_ONLY.match(name)] == []


def test_development_requirements_add_to_production_and_hold_the_tools():
    dev = ROOT / "requirements-dev.txt"
    assert "-r requirements.txt" in dev.read_text().splitlines()
    dev_names = requirement_names(dev)
    assert {"pytest", "pytest-django", "moto", "schemathesis", "ruff"} <= set(dev_names)
    assert set(dev_names).isdisjoint(requirement_names(ROOT / "requirements.txt"))


def test_installed_packages_are_consistent():
    done = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


APPS = ("ultraminebackend", "accounts", "core", "ai_agent", "content")


def _production_modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" not in parts and "migrations" not in parts:
                yield path


def test_no_production_module_imports_the_test_support():
    importers = []
    modules = list(_production_modules())
    assert any(path.name == "settings.py" for path in modules)
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] in {"testsupport", "pytest", "moto"} for name in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []
