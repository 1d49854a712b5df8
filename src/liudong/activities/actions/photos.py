"""An activity's photos: its organizer's staff add them once it has started (JPEG or PNG,
checked by their real type through :mod:`liudong.core.uploads`, kept privately with a
small JPEG thumbnail) and remove them; served only through the gate (decision 136)."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.activities.actions.planning import locked, require_organizer_side
from liudong.activities.models import Activity, ActivityPhoto, ActivityStatus
from liudong.core import audit, uploads
from liudong.core.errors import DomainError
from liudong.core.scope import require_actor, user_of

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_ACTIVITY = 30
THUMB_SIZE = (320, 320)
FOLDER = "activities"


def _thumbnail(checked: uploads.Checked) -> tuple[uploads.Checked, int, int]:
    """A small JPEG of the photo (what the activity's page shows) and the photo's size."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(checked.data)) as image:
        image = ImageOps.exif_transpose(image)
        width, height = image.size
        image.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=78, optimize=True)
    data = out.getvalue()
    thumb = uploads.Checked(
        data=data,
        kind=uploads.JPEG,
        content_type="image/jpeg",
        name=checked.name.rsplit(".", 1)[0] + "-thumb.jpg",
        sha256="",
    )
    return thumb, width, height


@transaction.atomic
def add_photo(
    *, by: Any, activity: Activity, upload: Any, name: str | None = None
) -> ActivityPhoto:
    """Keep a photo of ``activity`` (after its start, not a cancelled one): too large, not
    a JPEG or PNG, or a name lying about the content is refused with the reason."""
    require_actor(by)
    activity = locked(activity)
    require_organizer_side(by, activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError("cancelled", _("The activity was cancelled."), "file")
    if activity.starts_at > timezone.now():
        raise DomainError(
            "photos_after_start", _("Photos are added once the activity has started."), "file"
        )
    if activity.photos.count() >= MAX_PER_ACTIVITY:
        raise DomainError(
            "too_many_photos",
            _("At most %(count)s photos per activity.") % {"count": MAX_PER_ACTIVITY},
            "file",
        )
    checked = uploads.check(upload, allowed=uploads.IMAGES, max_bytes=MAX_BYTES, name=name)
    thumb, width, height = _thumbnail(checked)
    stored = uploads.store(checked, FOLDER)
    thumb_stored = uploads.store(thumb, FOLDER)
    try:
        with audit.action("activity.add_photo", actor=by):
            return ActivityPhoto.objects.create(
                activity=activity,
                name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                width=width,
                height=height,
                stored_as=stored,
                thumb_as=thumb_stored,
                sha256=checked.sha256,
                uploaded_by=user_of(by),
            )
    except Exception:
        uploads.remove(stored)
        uploads.remove(thumb_stored)
        raise


@transaction.atomic
def remove_photo(*, by: Any, photo: ActivityPhoto) -> None:
    """Take a photo off the activity (its files go once the row is gone)."""
    require_actor(by)
    require_organizer_side(by, photo.activity)
    files = (photo.stored_as, photo.thumb_as)
    with audit.action("activity.remove_photo", actor=by):
        photo.delete()
    transaction.on_commit(lambda: [uploads.remove(name) for name in files])
