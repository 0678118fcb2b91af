"""Reading what a CDN's delivery URL serves: one bounded GET for every CDN."""

import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from ultraminebackend.assets.errors import CdnError


def fetch_delivery(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    service: str,
    error: Callable[..., CdnError],
) -> bytes:
    """At most ``max_bytes`` from a delivery URL the CDN answered (stored on a row, never taken
    from a request); failures come out as ``error(message, transient=…, code=…)``."""
    if urlsplit(url).scheme not in {"https", "http"}:
        raise ValueError("Only http(s) delivery URLs can be fetched.")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - see above
            data = response.read(max_bytes + 1)  # one byte more tells "too large" from "exact"
    except urllib.error.HTTPError as exc:
        raise error(
            f"{service} answered {exc.code} for {url}.",
            transient=exc.code >= 500 or exc.code == 429,
            code="not_found" if exc.code == 404 else "delivery_error",
        ) from exc
    except (OSError, ValueError) as exc:  # URLError, timeouts, resets
        raise error(f"Could not fetch {url}: {exc}", transient=True, code="unavailable") from exc
    if len(data) > max_bytes:
        raise error(f"{url} is larger than {max_bytes} bytes.", transient=False, code="too_large")
    return data
