"""``manage.py hash_proofs``: the perceptual hash of every payment proof stored without one.

Proofs stored before hashes existed are never compared (``core/proofs.py`` skips ``NULL``). This
reads each back from storage and writes its hash, so later proofs are compared with them; their
own ``…_duplicate_of`` fields stay as they are (no proof was flagged then). Idempotent;
``--dry-run`` only counts. Progress goes to stderr, one summary line to stdout; the exit status is
1 when a proof could not be hashed (missing, or not an image the intake accepts).
"""

from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.models import Deposit, Order
from ultraminebackend.files.processing.fingerprint import file_hash, to_signed
from ultraminebackend.files.storage.errors import STORAGE_ERRORS

# (model, file field, hash column)
PROOF_FIELDS = ((Deposit, "proof", "proof_hash"), (Order, "txid_proof", "txid_proof_hash"))
CHUNK_SIZE = 500


class Command(BaseCommand):
    help = "Compute the perceptual hash of every stored payment proof that has none."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count")

    def handle(self, *args, dry_run=False, **options):
        counts = Counter()
        for model, field_name, column in PROOF_FIELDS:
            storage = model._meta.get_field(field_name).storage
            rows = (
                model._base_manager.filter(**{f"{column}__isnull": True})
                .exclude(**{field_name: ""})
                .values_list("pk", field_name)
            )
            for pk, name in rows.iterator(chunk_size=CHUNK_SIZE):
                if dry_run:
                    counts["would hash"] += 1
                    continue
                try:
                    with storage.open(name, "rb") as file:
                        value = to_signed(file_hash(file))
                except (*STORAGE_ERRORS, ValidationError) as exc:  # OSError: a missing file
                    counts["failed"] += 1
                    self.stderr.write(f"{model.__name__} #{pk} ({name}): {exc}")
                    continue
                model._base_manager.filter(pk=pk).update(**{column: value})
                counts["hashed"] += 1
                if counts["hashed"] % 100 == 0:
                    self.stderr.write(f"{counts['hashed']} hashed")
        summary = ", ".join(f"{label}: {n}" for label, n in sorted(counts.items())) or "nothing"
        self.stdout.write(summary)
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} proof(s) could not be hashed", returncode=1)
