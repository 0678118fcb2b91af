"""The one error every CDN call raises (each CDN's own error class is a subclass)."""


class CdnError(Exception):
    """A CDN call failed; ``transient`` is True when the same call may succeed later."""

    def __init__(self, message: str, *, transient: bool, code: str = "cdn_error") -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.code = code
