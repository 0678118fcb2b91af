"""The worker's periodic sweeps: each at start-up, then every its own interval, on a thread of
their own; one failing sweep does not stop the others. Clock injected."""

import threading

import pytest

from content.publishing import posts_publish_due
from testsupport.clock import FakeClock
from ultraminebackend.worker import Sweep, Sweeper, recover, registered_sweeps

# A sweep starts by closing stale connections, as the worker's loop does.
pytestmark = pytest.mark.django_db


def recorder(calls, name):
    def sweep(now):
        calls.append(name)
        return {}

    return sweep


def test_each_sweep_runs_at_start_up_then_every_its_interval(settings):
    settings.POST_PUBLISH_INTERVAL_S = 3
    calls, clock = [], FakeClock()
    sweeper = Sweeper(
        [
            Sweep(recorder(calls, "ten"), every=10),
            Sweep(recorder(calls, "setting"), every="POST_PUBLISH_INTERVAL_S"),
        ],
        clock=clock.now,
    )

    waits = []
    for _ in range(5):
        waits.append(sweeper.run_due())
        clock.advance(waits[-1])

    assert calls == ["ten", "setting", "setting", "setting", "setting", "ten"]
    assert waits == [3, 3, 3, 1, 2]  # ten is next due at 10, then at 20; setting every 3


def test_a_failing_sweep_is_logged_and_the_others_still_run(caplog):
    calls = []

    def broken(now):
        raise RuntimeError("boom")

    Sweeper([Sweep(broken, every=1), Sweep(recorder(calls, "next"), every=1)]).run_due()

    assert calls == ["next"]
    assert (
        "sweep test_a_failing_sweep_is_logged_and_the_others_still_run.<locals>.broken failed"
        in (caplog.text)
    )


def test_the_thread_keeps_sweeping_until_stopped():
    calls, enough = [], threading.Event()

    def sweep(now):
        calls.append(now)
        if len(calls) >= 3:
            enough.set()
        return {}

    sweeper = Sweeper([Sweep(sweep, every=0.01)])
    sweeper.start()
    try:
        assert enough.wait(30)  # a bound on waiting, not on speed
    finally:
        sweeper.stop(timeout=5)
    count = len(calls)
    assert not sweeper._thread.is_alive()
    assert len(calls) == count  # nothing after the stop


@pytest.mark.parametrize("fn", [recover, posts_publish_due])
def test_recovery_and_publishing_are_registered(fn):
    assert fn in [sweep.fn for sweep in registered_sweeps()]
