"""Peak RSS a gunicorn worker gains while it takes a photo upload, by upload size.

Run: .venv/bin/python bench/upload_memory.py   (Linux only; how it measures: bench/README.md)
"""

import http.client
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.report import Row, record  # noqa: E402
from testsupport import liveserver  # noqa: E402
from testsupport.files import encode, exif_bytes, photo  # noqa: E402

MIB = 1024 * 1024
# (label, target file size, multipart field): the two uploads the issue asks about, after a
# small warm-up; then the 25 MB file once more under a field the endpoint ignores, which costs
# the request (body streamed to a temporary file, multipart parsing) without the image work.
# The 25 MB photo is also sent stored sideways (EXIF orientation 6), which libvips can only turn
# by way of a temporary file (files/processing/streaming.py).
UPLOADS = (
    ("warm-up", MIB // 2, "image", 1),
    ("5 MB", 5 * MIB, "image", 1),
    ("25 MB", 25 * MIB, "image", 1),
    ("25 MB, sideways", 25 * MIB, "image", 6),
    ("25 MB, body only", 25 * MIB, "attachment", 1),
)
# Pillow keeps an RGB image in 4 bytes per pixel (RGBX), so this is what a full decode holds.
PILLOW_RGB_BYTES_PER_PIXEL = 4
TARGET_GROWTH_MIB = 30
JPEG_QUALITY = 95
EMAIL, PASSWORD = "bench@example.com", secrets.token_urlsafe(16)
CHUNK = 64 * 1024


def bench_env(folder: Path) -> dict:
    """Production-like settings in a throwaway folder (``testsupport.liveserver.production_env``),
    with caps above the biggest upload and the superuser the bench signs in as."""
    return liveserver.production_env(
        folder,
        ALLOWED_HOSTS="127.0.0.1",
        # Above the biggest upload; the pixel cap admits the ~41 MP a 25 MB camera JPEG has.
        IMAGE_MAX_BYTES=str(64 * MIB),
        IMAGE_MAX_PIXELS=str(60_000_000),
        DJANGO_SUPERUSER_EMAIL=EMAIL,
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    # The project's gunicorn.conf.py is read from the working directory; these flags override
    # it with one sync worker and one thread, so one request owns the worker's whole RSS.
    command = [
        sys.executable, "-m", "gunicorn", "ultraminebackend.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "1", "--worker-class", "sync",
        "--max-requests", "0", "--timeout", "300",
    ]  # fmt: skip
    with open(log, "wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


def request(port: int, method: str, path: str, body=b"", headers=None):
    """One request on a fresh connection; ``body`` may be an iterable of byte chunks."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def post_json(port: int, path: str, data: dict, token: str = ""):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, body = request(port, "POST", path, json.dumps(data).encode(), headers)
    if status >= 300:
        raise RuntimeError(f"POST {path} answered {status}: {body[:500]!r}")
    return json.loads(body)


def worker_pid(master: int) -> int:
    """The gunicorn worker: the master's only child (found by scanning /proc for its ppid)."""
    children = liveserver.child_pids(master)
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {children}")
    return children[0]


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` (peak RSS) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0])
    return fields


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where the kernel refuses."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def make_photo(path: Path, target_bytes: int, orientation: int = 1) -> tuple[int, int]:
    """A 4:3 photo-like JPEG within ~5% of ``target_bytes``, with that EXIF orientation;
    returns its size in pixels."""
    bytes_per_pixel = 0.6  # about what photo() costs at quality 95; corrected below
    exif = exif_bytes(orientation=orientation)
    for _ in range(4):
        pixels = target_bytes / bytes_per_pixel
        size = (round((pixels * 4 / 3) ** 0.5), round((pixels * 3 / 4) ** 0.5))
        data = encode(photo(size), "JPEG", quality=JPEG_QUALITY, exif=exif)
        bytes_per_pixel = len(data) / (size[0] * size[1])
        if abs(len(data) - target_bytes) <= 0.05 * target_bytes:
            break
    path.write_bytes(data)
    return size


def multipart(fields: dict, field: str, path: Path) -> tuple[str, int, object]:
    """(content type, length, body chunks): the file is read in 64 KB pieces as it is sent."""
    boundary = secrets.token_hex(16)
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{path.name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk
        yield tail

    length = len(head) + path.stat().st_size + len(tail)
    return f"multipart/form-data; boundary={boundary}", length, chunks()


def upload(port: int, token: str, category: int, field: str, path: Path, slug: str):
    fields = {"name": slug, "slug": slug, "price": "10.00", "stock": "1", "category": category}
    content_type, length, body = multipart(fields, field, path)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": content_type,
        "Content-Length": str(length),
    }
    return request(port, "POST", "/api/core/products/", body, headers)


def measure(port, token, category, pid, field, path, slug) -> dict:
    peak_was_reset = reset_peak(pid)
    before = memory_kib(pid)
    start = time.perf_counter()
    status, body = upload(port, token, category, field, path, slug)
    seconds = time.perf_counter() - start
    after = memory_kib(pid)
    if status != 201:
        raise RuntimeError(f"upload of {path.name} answered {status}: {body[:500]!r}")
    baseline = before["VmRSS"] if peak_was_reset else before["VmHWM"]
    return {
        "status": status,
        "seconds": seconds,
        "rss_before": before["VmRSS"] / 1024,
        "growth": (after["VmHWM"] - baseline) / 1024,
        "rss_after": after["VmRSS"] / 1024,
        "peak_was_reset": peak_was_reset,
    }


def print_table(rows) -> None:
    print(
        f"{'upload':<17}{'file MiB':>9}{'pixels':>9}{'decoded':>9}{'status':>7}"
        f"{'RSS before':>11}{'peak growth':>12}{'RSS after':>10}{'time s':>8}"
    )
    for label, size_mib, (width, height), decoded, result in rows:
        pixels, held = "-", "-"
        if decoded:  # the body-only row never decodes: no pixel figures for it
            pixels = f"{width * height / 1e6:.1f}MP"
            held = f"{width * height * PILLOW_RGB_BYTES_PER_PIXEL / MIB:.1f}MB"
        print(
            f"{label:<17}{size_mib:>9.1f}{pixels:>9}{held:>9}"
            f"{result['status']:>7}{result['rss_before']:>9.1f}MB{result['growth']:>10.1f}MB"
            f"{result['rss_after']:>8.1f}MB{result['seconds']:>8.2f}"
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="upload-memory-") as tmp:
        folder = Path(tmp)
        env = bench_env(folder)
        images, made = [], {}
        for label, target, field, orientation in UPLOADS:
            if (target, orientation) not in made:
                path = folder / f"{target}-{orientation}.jpg"
                made[target, orientation] = (path, make_photo(path, target, orientation))
            images.append((label, field, *made[target, orientation]))
        liveserver.manage(env, "migrate", "--noinput")
        liveserver.manage(env, "createsuperuser", "--noinput")
        port = liveserver.free_port()
        server = start_gunicorn(env, port, folder / "gunicorn.log")
        try:
            liveserver.wait_until_up(server, port)
            pid = worker_pid(server.pid)
            token = post_json(port, "/api/auth/token/", {"email": EMAIL, "password": PASSWORD})
            category = post_json(
                port, "/api/core/categories/", {"name": "Bench", "slug": "bench"}, token["access"]
            )["id"]
            rows = []
            for index, (label, field, path, size) in enumerate(images):
                slug = f"bench-{index}"
                result = measure(port, token["access"], category, pid, field, path, slug)
                decoded = field == "image"
                rows.append((label, path.stat().st_size / MIB, size, decoded, result))
        except Exception:
            print((folder / "gunicorn.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            liveserver.stop_process(server)
    print(
        f"gunicorn: 1 sync worker, 1 thread; baseline JPEG q{JPEG_QUALITY} photos; MB = MiB; "
        f"decoded = pixels x {PILLOW_RGB_BYTES_PER_PIXEL} B, what Pillow holds when it decodes "
        "a whole image; from IMAGE_STREAMING_MIN_PIXELS (16 MP) libvips streams it instead"
    )
    print_table(rows)
    if not all(result["peak_was_reset"] for *_, result in rows):
        print("note: the kernel refused to reset VmHWM; growth is measured from the earlier peak")
    growth = next(result["growth"] for label, *_, result in rows if label == "25 MB")
    verdict = "met" if growth < TARGET_GROWTH_MIB else "missed"
    print(f"target: < {TARGET_GROWTH_MIB} MB peak growth for the 25 MB upload: {verdict}")
    # The same figures for bench/run_all.py's combined table.
    record(
        [
            Row(
                "upload memory",
                f"{label} upload: peak RSS growth",
                result["growth"],
                "MB",
                target=f"< {TARGET_GROWTH_MIB} MB" if label == "25 MB" else "",
                note=f"{result['seconds']:.2f} s",
            )
            for label, *_, result in rows
            if label != "warm-up"
        ]
    )


if __name__ == "__main__":
    main()
