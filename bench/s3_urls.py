"""Time S3 public URL building: the bucket endpoint as custom domain vs the presigner path.

Run: .venv/bin/python bench/s3_urls.py   (no network: URL building never talks to S3)
"""

import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ultraminebackend.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from storages.backends.s3 import S3Storage  # noqa: E402

from bench.harness.report import Row, report  # noqa: E402
from testsupport.files import s3_storages  # noqa: E402
from ultraminebackend.files.storage.backends import PrivateS3Storage, PublicS3Storage  # noqa: E402

N = 5000


def per_url_us(fn) -> float:
    runs = timeit.repeat(fn, number=N, repeat=5)
    return min(runs) / N * 1e6


def main() -> None:
    config = s3_storages(endpoint_url="", bucket="ultramine-media")
    for role in ("default", "private"):
        config[role]["OPTIONS"]["endpoint_url"] = None
        config[role]["OPTIONS"]["region_name"] = "eu-central-1"
    public = PublicS3Storage(**config["default"]["OPTIONS"])
    private = PrivateS3Storage(**config["private"]["OPTIONS"])
    names = [f"products/{i:032x}.jpg" for i in range(64)]
    counter = iter(range(10**9))

    def name():
        return names[next(counter) % 64]

    stock_storage = S3Storage(**config["default"]["OPTIONS"])
    ours = per_url_us(lambda: public.url(name()))
    stock = per_url_us(lambda: stock_storage.url(name()))
    signed = per_url_us(lambda: private.url(name()))
    print(f"sample: {public.url('products/a b.jpg')}")
    report(
        [
            Row("S3 URL", label, value, "us/URL", value / ours, "ours")
            for label, value in (
                ("PublicS3Storage.url (endpoint as custom domain)", ours),
                ("S3Storage.url unsigned (presigner)", stock),
                ("S3Storage.url presigned (private)", signed),
            )
        ]
    )


if __name__ == "__main__":
    main()
