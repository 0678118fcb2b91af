"""The caller's file lent to a CDN SDK, which may read it and "close" it but must not close it."""

from __future__ import annotations

from typing import IO


class BorrowedFile:
    """Reads, seeks and a ``with`` that closes nothing: the caller still needs the file (a
    temporary upload would be deleted on close), e.g. to store it on our storage when the CDN
    fails."""

    name = "upload"  # the original file name a CDN records (never a local path)

    def __init__(self, file: IO[bytes], *, from_start: bool = False) -> None:
        self._file = file
        if from_start:
            file.seek(0)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def __enter__(self) -> BorrowedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
