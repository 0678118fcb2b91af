"""Content writes: brands, posts with their media, blogs with their images.

Files first, then one short transaction, all undone on failure: docs/writes-and-assets.md.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound

from ai_agent.models import Generation
from ultraminebackend.assets.store import AssetStore, SourceGone, Use
from ultraminebackend.exceptions import Conflict, field_error
from ultraminebackend.files.processing.intake import IntakeImage, intake_image
from ultraminebackend.files.processing.video import VideoIntake, intake_media
from ultraminebackend.files.storage.undo import undo_on_failure
from ultraminebackend.slugs import SlugRule

from .models import Blog, BlogImage, Brand, Media, Post

MAX_MEDIA_PER_POST = 10
# The CDN folder of post media, uploaded with resource_type "auto" (contract).
POST_MEDIA_USE = Use(folder="auto", resource_type="auto")

MediaSource = File | IntakeImage | VideoIntake | Generation


# --- Brands ---------------------------------------------------------------------------------------


# Unique per owner: two users may both have an "acme".
BRAND_SLUGS = SlugRule(
    source="name",
    fallback="brand",
    taken_message="You already have a brand with the slug '%(slug)s'.",
    scope=("owner",),
)


@transaction.atomic
def brand_create(*, owner, name: str, slug: str = "") -> Brand:
    """A brand of ``owner``; the slug is made from the name when left out, numbered if taken."""
    brand = Brand(owner=owner, name=name)
    BRAND_SLUGS.assign(brand, slug)
    BRAND_SLUGS.save(brand, chosen=bool(slug))
    return brand


@transaction.atomic
def brand_update(*, brand: Brand, data: dict) -> Brand:
    """Rename and/or re-slug; a blank or missing slug keeps the current one."""
    if "name" in data:
        brand.name = data["name"]
    BRAND_SLUGS.assign(brand, data.get("slug"))
    BRAND_SLUGS.save(brand, chosen=True)
    return brand


# --- Posts ----------------------------------------------------------------------------------------


def _check_brand(brand: Brand | None, user) -> None:
    if brand is not None and brand.owner_id != user.pk:
        raise field_error(
            "brand", "This brand is not one of the post owner's brands.", "not_own_brand"
        )


def _check_generations(generations: Iterable[Generation], user, field: str) -> None:
    for generation in generations:
        if generation.user_id != user.pk or generation.status != Generation.Status.SUCCEEDED:
            raise field_error(
                field,
                "Generation %(id)s is not one of your succeeded generations.",
                "generation_not_attachable",
                id=generation.pk,
            )


def _check_post(
    *,
    caption: str,
    status: str,
    scheduled_at: datetime | None,
    media_count: int,
    schedule_changed: bool,
) -> None:
    """The post rules: a caption or media, at most 10 media, a future time when scheduled."""
    if media_count > MAX_MEDIA_PER_POST:
        raise field_error(
            "media",
            "A post has at most %(limit)s media; got %(count)s.",
            "too_many_media",
            limit=MAX_MEDIA_PER_POST,
            count=media_count,
        )
    if not caption.strip() and not media_count:
        raise field_error("caption", "A post needs a caption or media.", "empty_post")
    if status == Post.Status.SCHEDULED:
        if scheduled_at is None:
            raise field_error("scheduled_at", "A scheduled post needs scheduled_at.", "required")
        if schedule_changed and scheduled_at <= timezone.now():
            raise field_error(
                "scheduled_at", "scheduled_at must be in the future.", "not_in_future"
            )


def _stamp_post_publication(post: Post) -> None:
    """``published_at`` is the first publication time while published (None otherwise);
    ``publish_error`` says why while failed (empty otherwise): the rows' CHECKs hold the same."""
    if post.status == Post.Status.PUBLISHED:
        post.published_at = post.published_at or timezone.now()
    else:
        post.published_at = None
    if post.status != Post.Status.FAILED:
        post.publish_error = ""


def post_stamp_publication(*, post: Post) -> Post:
    """For editors that set ``status`` themselves (the admin): keep the stamps right."""
    _stamp_post_publication(post)
    if post.status == Post.Status.FAILED and not post.publish_error:
        post.publish_error = "Marked failed by staff."
    return post


def _copy_generation(
    store: AssetStore, asset: Media | BlogImage, generation: Generation, *, use: Use, field: str
) -> None:
    """A copy of a generation's image, so a post or blog never depends on the generation's
    temporary folder; a vanished image is a 400 naming ``field``."""
    asset.generation = generation
    try:
        store.copy(asset, generation, use=use)
    except SourceGone:
        raise field_error(
            field,
            "The image of generation %(id)s is no longer available.",
            "generation_image_missing",
            id=generation.pk,
        ) from None


def _store_media(*, store: AssetStore, sources: Sequence[MediaSource]) -> list[Media]:
    """Upload or copy each source, in order; rows are not written yet."""
    items = []
    for source in sources:
        item = Media()
        if isinstance(source, Generation):
            item.type = Media.Type.IMAGE
            _copy_generation(store, item, source, use=POST_MEDIA_USE, field="media_generations")
        else:
            if not isinstance(source, IntakeImage | VideoIntake):
                source = intake_media(source)  # not through the API's upload field
            if isinstance(source, VideoIntake):
                item.type = Media.Type.VIDEO
                store.store_video(item, source, use=POST_MEDIA_USE)
            else:
                item.type = Media.Type.IMAGE
                store.store_image(item, source, use=POST_MEDIA_USE)
        items.append(item)
    return items


def _attach_media(post: Post, items: list[Media]) -> None:
    for position, item in enumerate(items):
        item.post, item.user, item.brand, item.position = post, post.user, post.brand, position
    Media.objects.bulk_create(items)


def post_create(
    *,
    user,
    caption: str = "",
    status: str = Post.Status.DRAFT,
    scheduled_at: datetime | None = None,
    brand: Brand | None = None,
    media: Sequence[File | VideoIntake] = (),
    media_generations: Sequence[Generation] = (),
) -> Post:
    """A post with its media in order: uploaded files first, then copied generations.

    ``media`` items are what ``MediaUploadField`` gives (``IntakeImage`` or ``VideoIntake``);
    other files go through ``intake_media`` here.
    """
    _check_brand(brand, user)
    _check_generations(media_generations, user, "media_generations")
    sources = [*media, *media_generations]
    _check_post(
        caption=caption,
        status=status,
        scheduled_at=scheduled_at,
        media_count=len(sources),
        schedule_changed=True,
    )
    with undo_on_failure():
        items = _store_media(store=AssetStore(), sources=sources)
        with transaction.atomic():
            post = Post(
                user=user, brand=brand, caption=caption, status=status, scheduled_at=scheduled_at
            )
            _stamp_post_publication(post)
            post.save()
            _attach_media(post, items)
    return post


def post_update(
    *,
    post: Post,
    data: dict,
    media: Sequence[File | VideoIntake] | None = None,
    media_generations: Sequence[Generation] | None = None,
    user=None,
) -> Post:
    """Change the fields in ``data`` (caption, status, scheduled_at, brand).

    Sending ``media`` and/or ``media_generations`` replaces all of the post's media with the new
    list; the old files and assets are removed after the commit. ``user`` (the one attaching
    generations) defaults to the post's owner. If the publishing sweep changed the post's status
    since it was read (it was published meanwhile), nothing changes: 409.
    """
    user = user or post.user
    read_status = post.status
    if "brand" in data:
        _check_brand(data["brand"], post.user)
    replacing = media is not None or media_generations is not None
    media, media_generations = media or [], media_generations or []
    _check_generations(media_generations, user, "media_generations")
    status = data.get("status", post.status)
    scheduled_at = data.get("scheduled_at", post.scheduled_at)
    _check_post(
        caption=data.get("caption", post.caption),
        status=status,
        scheduled_at=scheduled_at,
        media_count=len(media) + len(media_generations) if replacing else post.media.count(),
        schedule_changed=status != post.status or scheduled_at != post.scheduled_at,
    )
    with undo_on_failure():
        items = _store_media(store=AssetStore(), sources=[*media, *media_generations])
        with transaction.atomic():
            # Concurrent replacements queue here (both writing positions 0… would collide), and
            # so does the publishing sweep's UPDATE: a change decided on a scheduled post must
            # not save over its publication (nor bring it back as scheduled, published twice).
            status_now = (
                Post.objects.select_for_update()
                .filter(pk=post.pk)
                .values_list("status", flat=True)
                .first()
            )
            if status_now is None:
                raise NotFound()  # deleted meanwhile
            if status_now != read_status:
                raise Conflict(
                    f"The post became {status_now} while this change was on its way; nothing "
                    "was changed. Reload it and try again.",
                    code="post_status_changed",
                )
            for name, value in data.items():
                setattr(post, name, value)
            _stamp_post_publication(post)
            post.save()
            if replacing:
                post.media.all().delete()  # files and assets go after commit (signals)
                _attach_media(post, items)
            elif "brand" in data:
                post.media.update(brand=post.brand)
    return post


def post_delete(*, post: Post) -> None:
    """Delete a post; its media files and CDN assets are removed after the commit."""
    post.delete()


# --- Blogs ----------------------------------------------------------------------------------------

# Request field names of each image role: the upload and the generation to copy.
BLOG_IMAGE_FIELDS = {
    BlogImage.Role.BANNER: ("banner", "banner_generation"),
    BlogImage.Role.FEATURED: ("image", "image_generation"),
}


BLOG_SLUGS = SlugRule(
    source="title", fallback="blog", taken_message="A blog with the slug '%(slug)s' exists."
)


def _stamp_publication(blog: Blog) -> None:
    """``published_at`` is the first publication time while published, and None in draft."""
    if blog.status == Blog.Status.PUBLISHED:
        blog.published_at = blog.published_at or timezone.now()
    else:
        blog.published_at = None


def blog_stamp_publication(*, blog: Blog) -> Blog:
    """For editors that set ``status`` themselves (the admin): keep ``published_at`` right."""
    _stamp_publication(blog)
    return blog


def _blog_image_sources(
    user,
    banner: File | None,
    image: File | None,
    banner_generation: Generation | None,
    image_generation: Generation | None,
) -> dict[str, tuple[File | Generation, str]]:
    """Role → (source, request field) for the roles that get a new image; both is a 400.

    A generation must be one of ``user``'s succeeded ones.
    """
    files = {BlogImage.Role.BANNER: banner, BlogImage.Role.FEATURED: image}
    generations = {
        BlogImage.Role.BANNER: banner_generation,
        BlogImage.Role.FEATURED: image_generation,
    }
    for role, (_, generation_field) in BLOG_IMAGE_FIELDS.items():
        if generations[role] is not None:
            _check_generations([generations[role]], user, generation_field)
    sources = {}
    for role, (file_field, generation_field) in BLOG_IMAGE_FIELDS.items():
        file, generation = files[role], generations[role]
        if file is not None and generation is not None:
            raise field_error(
                generation_field,
                "Send either %(file)s or %(generation)s, not both.",
                "ambiguous_image",
                file=file_field,
                generation=generation_field,
            )
        if file is not None:
            sources[role] = (file, file_field)
        elif generation is not None:
            sources[role] = (generation, generation_field)
    return sources


def _store_blog_images(
    *, store: AssetStore, sources: dict[str, tuple[File | Generation, str]]
) -> list[BlogImage]:
    images = []
    for role, (source, field) in sources.items():
        image = BlogImage(role=role)
        use = Use(folder=BlogImage.FOLDERS[role])
        if isinstance(source, Generation):
            _copy_generation(store, image, source, use=use, field=field)
        else:
            if not isinstance(source, IntakeImage):
                source = intake_image(source, thumbnail=True)
            store.store_image(image, source, use=use)
        images.append(image)
    return images


def blog_create(
    *,
    author,
    title: str,
    slug: str = "",
    content: str = "",
    status: str = Blog.Status.DRAFT,
    image_alt: str = "",
    banner: File | None = None,
    image: File | None = None,
    banner_generation: Generation | None = None,
    image_generation: Generation | None = None,
) -> Blog:
    """A blog with an optional banner and featured image (uploads or copied generations)."""
    sources = _blog_image_sources(author, banner, image, banner_generation, image_generation)
    blog = Blog(author=author, title=title, content=content, status=status, image_alt=image_alt)
    BLOG_SLUGS.assign(blog, slug)  # a taken slug is refused before anything is uploaded
    _stamp_publication(blog)
    with undo_on_failure():
        images = _store_blog_images(store=AssetStore(), sources=sources)
        with transaction.atomic():
            BLOG_SLUGS.save(blog, chosen=bool(slug))
            for blog_image in images:
                blog_image.blog = blog
            BlogImage.objects.bulk_create(images)
    return blog


def blog_update(
    *,
    blog: Blog,
    data: dict,
    banner: File | None = None,
    image: File | None = None,
    banner_generation: Generation | None = None,
    image_generation: Generation | None = None,
    remove: Iterable[str] = (),
    user=None,
) -> Blog:
    """Change the fields in ``data`` (title, slug, content, status, image_alt) and the images.

    A new banner or featured image (upload or generation) replaces the old one; roles named in
    ``remove`` lose theirs. Replaced and removed files and assets go after the commit.
    """
    user = user or blog.author
    sources = _blog_image_sources(user, banner, image, banner_generation, image_generation)
    data = dict(data)
    BLOG_SLUGS.assign(blog, data.pop("slug", ""))  # blank keeps the slug (and the URL)
    for name, value in data.items():
        setattr(blog, name, value)
    _stamp_publication(blog)
    with undo_on_failure():
        images = _store_blog_images(store=AssetStore(), sources=sources)
        with transaction.atomic():
            # Concurrent replacements of one role queue here instead of colliding on it.
            Blog.objects.select_for_update().filter(pk=blog.pk).first()
            BLOG_SLUGS.save(blog, chosen=True)
            replaced = {*remove, *sources}
            if replaced:
                # Old rows go first (one image per role); their files and assets after commit.
                BlogImage.objects.filter(blog=blog, role__in=replaced).delete()
            for blog_image in images:
                blog_image.blog = blog
            BlogImage.objects.bulk_create(images)
    return blog


def blog_delete(*, blog: Blog) -> None:
    """Delete a blog; its images' files and CDN assets are removed after the commit."""
    blog.delete()
