"""URL map: pages per app, the versioned API, the schema and its self-hosted viewers."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from liudong.accounts import pwa
from liudong.core import urls as core_urls
from liudong.core import views as core_views
from liudong.workbench import urls as workbench_urls

admin.site.site_header = _("Mobile Party Member Management and Service Platform")
admin.site.site_title = _("Mobile Party Member Management and Service Platform")

api_v1 = [
    # The check-in first: a phone's check-in is the busiest request, resolved before the
    # other endpoints' patterns are tried (no two apps share a path).
    path("", include("liudong.stations.api_urls")),
    path("", include("liudong.core.api_urls")),
    path("", include("liudong.codes.api_urls")),
    path("", include("liudong.regions.api_urls")),
    path("", include("liudong.orgs.api_urls")),
    path("", include("liudong.accounts.api_urls")),
    path("", include("liudong.notifications.api_urls")),
    path("", include("liudong.members.api_urls")),
    path("", include("liudong.activities.api_urls")),
    path("", include("liudong.assistance.api_urls")),
    path("", include("liudong.voice.api_urls")),
    path("", include("liudong.cycle.api_urls")),
    path("", include("liudong.siting.api_urls")),
    path("", include("liudong.census.api_urls")),
    path("", include("liudong.analytics.api_urls")),
]

urlpatterns = [
    # The API first: its requests (a phone's check-in above all) are resolved without
    # trying every page pattern before them.
    path("api/v1/", include((api_v1, "v1"), namespace="v1")),
    path("", RedirectView.as_view(pattern_name="core:home"), name="root"),
    # The members' installable web app (decision 135): at the root, the worker's scope.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("offline/", pwa.offline, name="offline"),
    # The workbench's home page keeps its name core:home: one namespace, two apps' pages.
    path("", include(([*workbench_urls.urlpatterns, *core_urls.urlpatterns], "core"))),
    path("accounts/", include("liudong.accounts.urls")),
    path("notifications/", include("liudong.notifications.urls")),
    path("places/", include("liudong.regions.urls")),
    path("orgs/", include("liudong.orgs.urls")),
    path("codes/", include("liudong.codes.urls")),
    path("ledger/", include("liudong.members.urls")),
    path("stations/", include("liudong.stations.urls")),
    path("", include("liudong.stations.urls_member")),
    path("activities/", include("liudong.activities.urls")),
    path("", include("liudong.activities.urls_member")),
    path("requests/", include("liudong.assistance.urls")),
    path("", include("liudong.assistance.urls_member")),
    path("voice/", include("liudong.voice.urls")),
    path("", include("liudong.voice.urls_member")),
    path("cycle/", include("liudong.cycle.urls")),
    path("siting/", include("liudong.siting.urls")),
    path("statistics/", include("liudong.analytics.urls")),
    path("census/", include("liudong.census.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    # Swagger UI's start-up script is served by the view itself (?script), not inline.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Redoc styles itself with <style> elements it writes and searches in a blob: worker:
    # allowed on this page only (decision 180).
    path(
        "api/redoc/",
        csp_update({"style-src-elem": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="redoc",
    ),
]

handler400 = "liudong.core.views.bad_request"
handler403 = "liudong.core.views.permission_denied"
handler404 = "liudong.core.views.page_not_found"
handler500 = "liudong.core.views.server_error"

if settings.DEBUG:
    urlpatterns += [path("__error_pages/<int:status>/", core_views.error_preview)]
