"""Slugs made from a name (``name``, ``name-2`` …), unique among a model's rows.

The unique index decides races: the next number for a made slug, a 400 for a chosen one.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

BATCH = 50  # numbered candidates looked up per query
# Inserts tried while concurrent requests keep taking the number we picked. Requests that lose
# a race all see the same committed rows and pick the same next number, so with n identical
# names at once the last needs n tries; past this many it answers a 400 "try again", not a 500.
ATTEMPTS = 10


def numbered(base: str, number: int, *, max_length: int) -> str:
    """``base`` for 1, else ``base-<number>``, cut so the whole fits ``max_length``."""
    if number == 1:
        return base
    suffix = f"-{number}"
    return base[: max_length - len(suffix)].rstrip("-_") + suffix


def unique_slug(
    queryset: models.QuerySet,
    text: str,
    *,
    fallback: str,
    max_length: int,
    exclude_pk=None,
    field: str = "slug",
) -> str:
    """The first of ``base``, ``base-2``, ``base-3``… that no row of ``queryset`` has.

    ``base`` is ``slugify(text)`` cut to ``max_length``, or ``fallback`` when nothing is left.
    Candidates are looked up ``BATCH`` at a time (one indexed ``IN`` query each), so a popular
    name costs a query per 50 numbers, not a read of every slug that starts like it.
    """
    base = slugify(text)[:max_length].strip("-_") or fallback
    others = queryset.exclude(pk=exclude_pk) if exclude_pk is not None else queryset
    start = 1
    while True:
        candidates = [numbered(base, n, max_length=max_length) for n in range(start, start + BATCH)]
        lookup = {f"{field}__in": candidates}
        taken = set(others.filter(**lookup).values_list(field, flat=True))
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        start += BATCH


@dataclass(frozen=True)
class SlugRule:
    """How one model's slugs are made and kept unique.

    ``assign`` runs before any slow work (uploads), so a taken slug is refused before anything
    is stored; ``save`` saves the row inside a savepoint and settles a collision that happened
    since (see the module docstring).
    """

    source: str  # the attribute the slug is made from: "name", "title"
    fallback: str  # the slug when the source has nothing ASCII to keep
    taken_message: str  # "A product with the slug '%(slug)s' exists."
    scope: tuple[str, ...] = ()  # fields uniqueness is scoped by (a brand's: its owner)
    field: str = "slug"

    def queryset(self, instance: models.Model) -> models.QuerySet:
        """The rows the slug must differ from (the instance itself included)."""
        meta = instance._meta
        scope = {
            meta.get_field(name).attname: getattr(instance, meta.get_field(name).attname)
            for name in self.scope
        }
        return type(instance)._default_manager.filter(**scope)

    def assign(self, instance: models.Model, given: str | None = "") -> None:
        """Set the slug: ``given`` when free (else a 400), else kept, else made from the source."""
        others = self.queryset(instance).exclude(pk=instance.pk)
        if given:
            if others.filter(**{self.field: given}).exists():
                raise self._taken(given)
            setattr(instance, self.field, given)
        elif not getattr(instance, self.field):
            setattr(instance, self.field, self._made(instance))

    def save(self, instance: models.Model, *, chosen: bool) -> None:
        """Save ``instance``; a slug another request took meanwhile is renumbered or refused.

        ``chosen``: the client gave the slug (or it is an existing row's), so a collision is the
        400 ``assign`` would have answered; otherwise the next free number is taken.
        """
        for _ in range(ATTEMPTS):
            try:
                with transaction.atomic():  # a savepoint: the caller's transaction goes on
                    instance.save()
                return
            except IntegrityError:
                slug = getattr(instance, self.field)
                others = self.queryset(instance).exclude(pk=instance.pk)
                if not others.filter(**{self.field: slug}).exists():
                    raise  # another constraint failed: not ours to answer
                if chosen:
                    raise self._taken(slug) from None
                setattr(instance, self.field, self._made(instance))
        raise ValidationError(
            {
                self.field: ValidationError(
                    "The slug '%(slug)s' was taken by a request made at the same time; try again.",
                    code="taken",
                    params={"slug": getattr(instance, self.field)},
                )
            }
        )

    def _made(self, instance: models.Model) -> str:
        return unique_slug(
            self.queryset(instance),
            getattr(instance, self.source),
            fallback=self.fallback,
            max_length=instance._meta.get_field(self.field).max_length,
            exclude_pk=instance.pk,
            field=self.field,
        )

    def _taken(self, slug: str) -> ValidationError:
        message = ValidationError(self.taken_message, code="taken", params={"slug": slug})
        return ValidationError({self.field: message})
