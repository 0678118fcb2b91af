"""Memory plumbing: the gunicorn master preloads the app and its workers share those pages."""

import tempfile
from pathlib import Path

import pytest

from testsupport.liveserver import LiveServer, production_env
from ultraminebackend.memory import tune_malloc


def shared_mib(pid: int) -> float:
    shared = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Shared_Clean", "Shared_Dirty"):
            shared += int(value.split()[0])
    return shared / 1024


def test_the_allocator_settings_apply_on_glibc():
    assert tune_malloc() is True


@pytest.mark.parametrize(("preload", "shares"), [("1", True), ("0", False)])
def test_workers_share_what_the_master_loaded(preload, shares):
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp), GUNICORN_PRELOAD=preload)
        with LiveServer(env, log_path=Path(tmp) / "gunicorn.log", workers=2) as server:
            shared = [shared_mib(pid) for pid in server.worker_pids()]

    # preloaded: ~75 MiB mapped from the master's pages; otherwise only libraries' files (~35)
    assert (min(shared) > 55) is shares, shared
