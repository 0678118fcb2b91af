"""A real gunicorn on a free 127.0.0.1 port, configured as production, and its process helpers.

A throwaway environment (``DEBUG=0``, no ``.env``); every wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


def stop_process(process: subprocess.Popen, timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM (graceful: a gunicorn master stops its workers), SIGKILL if that takes too long."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def pids_where(matches: Callable[[Path], bool]) -> list[int]:
    """Pids whose /proc folder ``matches`` (Linux); a process that ends meanwhile is skipped."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and matches(entry):
                pids.append(int(entry.name))
        except OSError:  # the process ended while we looked
            continue
    return pids


def child_pids(parent: int) -> list[int]:
    """A process's children: a gunicorn master's workers."""

    def is_child(entry: Path) -> bool:
        stat = (entry / "stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[1]) == parent  # after "pid (comm) state"

    return pids_where(is_child)


def wait_until_up(
    process: subprocess.Popen, port: int, path: str = "/healthz", timeout: float = STARTUP_TIMEOUT_S
) -> None:
    """Until ``path`` on ``port`` answers 200; raise if ``process`` exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode} before serving")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"{process.args} did not answer {path} within {timeout} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(folder: Path, **overrides: str) -> dict[str, str]:
    """Production-like settings in ``folder``: SQLite there unless ``DATABASE_URL`` is given."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ultraminebackend.settings",
        "DOTENV_PATH": os.devnull,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{folder / 'live.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "PRIVATE_MEDIA_ROOT": str(folder / "private_media"),
        "USE_S3": "0",
        "REDIS_URL": "",
        "SITE_URL": "",
        "SENTRY_DSN": "",
        "CLOUDINARY_URL": "",
        "GEMINI_API_KEY": "",
        "AI_IMAGE_PROVIDER": "placeholder",
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run ``manage.py`` with ``env``; raise with its output when it fails."""
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class LiveServer:
    """gunicorn with the production config, bound to 127.0.0.1; a context manager."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        log_path: Path,
        workers: int | None = None,
        threads: int | None = None,
        max_requests: int = 0,
    ) -> None:
        self.env = dict(env)
        # Unset means gunicorn.conf.py's own defaults (WEB_CONCURRENCY / GUNICORN_THREADS).
        if workers is not None:
            self.env["WEB_CONCURRENCY"] = str(workers)
        if threads is not None:
            self.env["GUNICORN_THREADS"] = str(threads)
        # Worker recycling mid-run would show up as latency spikes that production spreads out.
        self.env["GUNICORN_MAX_REQUESTS"] = str(max_requests)
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        command = [
            sys.executable, "-m", "gunicorn", "ultraminebackend.wsgi",
            "--config", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{self.port}",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        try:
            wait_until_up(self.process, self.port)
        except RuntimeError as failure:
            self.stop()
            raise RuntimeError(f"{failure}:\n{self.log_tail()}") from None

    def worker_pids(self) -> list[int]:
        return child_pids(self.process.pid)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
