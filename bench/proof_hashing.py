"""Perceptual hashes of payment proofs: cost per proof, false and true positives, scan time.

Run: .venv/bin/python bench/proof_hashing.py   (about 3 minutes; BENCH_RECEIPTS=N for another N)

500 distinct synthetic receipts (bank-app screenshots and paper slips from a handful of layouts,
random amounts, ids, names and dates: the worst case, distinct proofs that look alike) go
through the real intake with ``fingerprint=True``. Printed, not asserted:

* the hash's own cost and the whole intake's per proof (medians);
* false positives: of every pair of distinct receipts, the share within each threshold, and the
  share of receipts that would be flagged against any other;
* true positives: copies of the first 200, re-saved as JPEG q60, cropped 1 % and 3 % a side,
  rescaled to 50 % and 150 %, re-encoded as PNG, brightened 10 %: the share found within each
  threshold;
* the duplicate scan over 200,000 stored hashes: in Python, and with ``DATABASE_URL`` on
  PostgreSQL (a temporary table only) fetching them versus ``bit_count`` in SQL, which
  ``core/proofs.py`` uses there.
"""

import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ultraminebackend.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from PIL import Image, ImageDraw, ImageEnhance, ImageFont  # noqa: E402

from bench.harness.report import Row, report  # noqa: E402
from ultraminebackend.files.processing.fingerprint import distance, perceptual_hash, to_signed  # noqa: E402
from ultraminebackend.files.processing.intake import intake_image  # noqa: E402

RECEIPTS = int(os.environ.get("BENCH_RECEIPTS", "500"))
COPIED = 200  # receipts each kind of copy is made of (every copy is a full intake)
THRESHOLDS = (0, 2, 4, 6, 8, 10)
SCAN_ROWS = 200_000

# Screenshot layouts: (header colour, accent, background) of a few bank and wallet apps.
APP_STYLES = [
    ("#0b5cff", "#0b5cff", "#ffffff"),
    ("#00a86b", "#111111", "#f6f7f9"),
    ("#1a1a2e", "#f0b90b", "#12121c"),
    ("#e4002b", "#333333", "#ffffff"),
    ("#6c2bd9", "#6c2bd9", "#faf8ff"),
]
LABELS = ["Amount", "Fee", "To", "From", "Reference", "Date", "Status", "Network", "Txid"]


def _font(size: int):
    return ImageFont.load_default(size=size)


def _random_id(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def screenshot(rng: random.Random) -> Image.Image:
    """A phone screenshot of a transfer confirmation in one of the app layouts."""
    header, accent, background = rng.choice(APP_STYLES)
    width, height = 720, rng.choice((1280, 1440, 1560))
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    ink = "#eeeeee" if background == "#12121c" else "#222222"
    header_height = rng.randint(120, 220)
    draw.rectangle((0, 0, width, header_height), fill=header)
    draw.text(
        (40, header_height // 3),
        rng.choice(["Transfer sent", "Payment successful", "Withdrawal complete", "Receipt"]),
        fill="#ffffff",
        font=_font(rng.randint(34, 48)),
    )
    y = header_height + rng.randint(40, 120)
    amount = f"{rng.uniform(5, 25000):,.2f} {rng.choice(['USDT', 'USD', 'BTC', 'ETB', 'EUR'])}"
    draw.text((40, y), amount, fill=accent, font=_font(rng.randint(44, 72)))
    y += rng.randint(110, 160)
    for label in rng.sample(LABELS, rng.randint(4, len(LABELS))):
        value = {
            "Txid": "0x" + _random_id(rng, 24) + "…",
            "Date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        }.get(
            label,
            " ".join(
                rng.choice(
                    [
                        "Abebe",
                        "Kim",
                        "Ultra",
                        "Mine",
                        "Ltd",
                        "Bank",
                        "Wallet",
                        "TRC20",
                        str(rng.randint(10, 99999)),
                    ]
                )
                for _ in range(rng.randint(1, 3))
            ),
        )
        draw.text((40, y), label, fill="#888888", font=_font(26))
        draw.text((width - 40, y), value, fill=ink, font=_font(28), anchor="ra")
        y += rng.randint(60, 90)
        if rng.random() < 0.5:
            draw.line((40, y - 20, width - 40, y - 20), fill="#dddddd", width=2)
    if rng.random() < 0.6:
        draw.rounded_rectangle((40, height - 200, width - 40, height - 100), 30, fill=accent)
    return image


def paper_slip(rng: random.Random) -> Image.Image:
    """A photographed paper slip: off-white strip on a darker table, lines of figures."""
    width, height = rng.choice(((1200, 1600), (1000, 1400), (1600, 1200)))
    table = tuple(rng.randint(60, 140) for _ in range(3))
    image = Image.new("RGB", (width, height), table)
    draw = ImageDraw.Draw(image)
    left = rng.randint(100, width // 3)
    slip = (left, 60, left + rng.randint(400, 600), height - rng.randint(40, 200))
    draw.rectangle(slip, fill=(rng.randint(235, 250),) * 3)
    y = slip[1] + 40
    while y < slip[3] - 60:
        text = rng.choice(["TOTAL", "CASH", "DEPOSIT", "ACC", "REF", "BR", "TELLER"])
        draw.text(
            (slip[0] + 30, y),
            f"{text} {rng.randint(0, 10 ** rng.randint(2, 9))}",
            fill="#333333",
            font=_font(rng.randint(24, 36)),
        )
        y += rng.randint(40, 80)
    return image


def receipts(count: int):
    """``count`` distinct receipts, one at a time (the same ones on every run)."""
    rng = random.Random(17)
    for _ in range(count):
        yield (screenshot if rng.random() < 0.8 else paper_slip)(rng)


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def crop(image: Image.Image, share: float) -> Image.Image:
    dx, dy = int(image.width * share), int(image.height * share)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def scale(image: Image.Image, factor: float) -> Image.Image:
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.BICUBIC)


COPIES = {
    "re-saved JPEG q60": lambda image: jpeg(image, 60),
    "cropped 1% a side": lambda image: jpeg(crop(image, 0.01)),
    "cropped 3% a side": lambda image: jpeg(crop(image, 0.03)),
    "rescaled to 50%": lambda image: jpeg(scale(image, 0.5)),
    "rescaled to 150%": lambda image: jpeg(scale(image, 1.5)),
    "as PNG": png,
    "brightened 10%": lambda image: jpeg(ImageEnhance.Brightness(image).enhance(1.1)),
}


def intake_hash(data: bytes) -> tuple[int, float]:
    start = time.perf_counter()
    result = intake_image(ContentFile(data, name="proof.jpg"), fingerprint=True)
    took = (time.perf_counter() - start) * 1000
    result.close()
    return result.fingerprint, took


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def scan_rows(probe: int) -> list[Row]:
    """The duplicate scan over ``SCAN_ROWS`` stored hashes: Python, and SQL on PostgreSQL."""
    probe = to_signed(probe)  # as the column holds it
    rng = random.Random(5)
    stored = [rng.getrandbits(64) - (1 << 63) for _ in range(SCAN_ROWS)]
    start = time.perf_counter()
    matches = [pk for pk, other in enumerate(stored) if distance(probe, other) <= 2]
    rows = [
        Row(
            "proof hashing",
            f"scan of {SCAN_ROWS:,} hashes in Python, in memory",
            (time.perf_counter() - start) * 1000,
            "ms",
            note=f"{len(matches)} close",
        )
    ]
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("DATABASE_URL is not PostgreSQL: the SQL scan is not measured")
        return rows
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        cur = conn.cursor()
        cur.execute("create temp table bench_hash (id bigserial primary key, hash bigint)")
        with cur.copy("copy bench_hash (hash) from stdin") as copy:
            for value in stored:
                copy.write_row((value,))
        cur.execute("analyze bench_hash")
        fetched, in_sql = [], []
        for _ in range(5):
            start = time.perf_counter()
            cur.execute("select id, hash from bench_hash order by id desc")
            [pk for pk, other in cur if distance(probe, other) <= 2]
            fetched.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            cur.execute(
                "select min(id) from bench_hash where bit_count((hash # %s)::bit(64)) <= 2",
                (probe,),
            )
            in_sql.append((time.perf_counter() - start) * 1000)
    rows.append(
        Row(
            "proof hashing",
            f"PostgreSQL, {SCAN_ROWS:,} rows: fetch, compare in Python",
            statistics.median(fetched),
            "ms",
        )
    )
    rows.append(
        Row(
            "proof hashing",
            f"PostgreSQL, {SCAN_ROWS:,} rows: bit_count in SQL",
            statistics.median(in_sql),
            "ms",
            statistics.median(in_sql) / statistics.median(fetched),
            "fetch",
        )
    )
    return rows


def main() -> None:
    # Kept encoded (~100 KB each), decoded one at a time: 500 decoded screenshots are ~1.7 GB.
    originals = [jpeg(image) for image in receipts(RECEIPTS)]
    hashes, intake_ms = [], []
    for data in originals:
        value, took = intake_hash(data)
        hashes.append(value)
        intake_ms.append(took)
    hash_ms = []
    for data in originals[:100]:
        image = decoded(data)
        start = time.perf_counter()
        perceptual_hash(image)
        hash_ms.append((time.perf_counter() - start) * 1000)

    pairs = [distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    nearest = [
        min(distance(h, o) for j, o in enumerate(hashes) if j != i) for i, h in enumerate(hashes)
    ]
    rows = [
        Row("proof hashing", "pHash of a decoded receipt", statistics.median(hash_ms), "ms"),
        Row("proof hashing", "intake with the hash, per proof", statistics.median(intake_ms), "ms"),
        Row("proof hashing", "closest pair of distinct receipts", min(pairs), "bits"),
        Row("proof hashing", "median pair distance", statistics.median(pairs), "bits"),
    ]
    for threshold in THRESHOLDS:
        share = sum(d <= threshold for d in pairs) / len(pairs)
        flagged = sum(d <= threshold for d in nearest)
        rows.append(
            Row(
                "proof hashing",
                f"false positives <= {threshold} bits: receipts flagged",
                flagged * 100 / len(hashes),
                "%",
                note=f"{share * 100:.3f}% of pairs",
            )
        )

    for name, make in COPIES.items():
        distances = [
            distance(h, intake_hash(make(decoded(data)))[0])
            for data, h in zip(originals[:COPIED], hashes[:COPIED], strict=True)
        ]
        found = ", ".join(
            f"<={t}: {sum(d <= t for d in distances) * 100 / len(distances):.0f}%"
            for t in THRESHOLDS
        )
        rows.append(
            Row(
                "proof hashing",
                f"true positives, {name}: median distance",
                statistics.median(distances),
                "bits",
                note=found,
            )
        )

    rows += scan_rows(hashes[0])
    print(f"{RECEIPTS} receipts, {len(pairs):,} pairs")
    report(rows)


if __name__ == "__main__":
    main()
