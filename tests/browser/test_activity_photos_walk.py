"""Photos after an activity (decision 136), on the staff pages: station05 opens a past
activity of the demo, sees its photos as thumbnails (served through the gate), adds one,
and opens it. Screenshot: docs/screenshots/activity-photos.png."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.urls import reverse
from PIL import Image

from liudong.activities.models import Activity, ActivityPhoto
from liudong.config import project_root
from tests.browser.test_ledger_walk import sign_in
from tests.browser.waiting import wait_until

SHOTS = project_root() / "docs" / "screenshots"


def test_staff_see_and_add_photos_of_a_past_activity(
    live_server: Any, browser: Any, demo: Any, screenshots: Path, tmp_path: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    activity = (
        Activity.objects.filter(organizer__code="620800-LD05", photos__isnull=False)
        .distinct()
        .order_by("starts_at")
        .first()
    )
    assert activity is not None
    before = activity.photos.count()
    _context, page, outside, errors = sign_in(browser, base, "station05")
    page.goto(base + reverse("activities:detail", args=[activity.pk]))
    thumbs = page.locator("#photos img")
    assert thumbs.count() == before
    for i in range(before):  # each thumbnail loaded through the gate
        thumb = thumbs.nth(i)
        thumb.scroll_into_view_if_needed()  # loading="lazy": below the fold loads on scroll
        wait_until(thumb.element_handle(), "img => img.complete && img.naturalWidth > 0")
    photo = tmp_path / "现场.png"
    image = Image.new("RGB", (640, 420), (230, 236, 240))
    image.paste((200, 22, 29), (80, 40, 560, 110))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo.write_bytes(out.getvalue())
    page.set_input_files("#photo-form input[type=file]", str(photo))
    with page.expect_navigation():
        page.click("#photo-form button[type=submit]")
    assert activity.photos.count() == before + 1
    assert page.locator("#photos img").count() == before + 1
    page.evaluate("window.scrollTo(0, 0)")  # the sticky bar at the top in the full page
    page.screenshot(path=str(SHOTS / "activity-photos.png"), full_page=True)
    newest = ActivityPhoto.objects.filter(activity=activity).order_by("-id").first()
    answer = page.request.get(base + reverse("activities:photo", args=[newest.pk]))
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    assert not outside and not errors
