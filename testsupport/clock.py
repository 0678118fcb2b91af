"""A clock and a sleep that tests drive: back-off and deadline logic checked without waiting."""


class FakeClock:
    """``now()`` stands still until ``sleep(s)`` (or ``advance(s)``) moves it; sleeps are kept."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now_s = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now_s += seconds
