"""The Content-Security-Policy and the Permissions-Policy (issue 16, decisions 180-181),
read by settings.py: django-csp 4.x takes ``CONTENT_SECURITY_POLICY``, and
``liudong.core.security.SecurityHeadersMiddleware`` writes ``LIUDONG_PERMISSIONS_POLICY``."""

from __future__ import annotations

# Scripts only from our own static files: no inline <script>, no on*= handlers, no eval
# (tests/core/test_security_pages.py walks every page). Styles: <style> elements only from
# files ('self'); style="" attributes stay allowed (the templates' sizes and ECharts'
# tooltips write them; an attribute cannot run script). 'unsafe-inline' in style-src is
# only the fallback for browsers without CSP level 3 (they ignore -elem and -attr).
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "script-src-attr": [_NONE],
        "style-src": [_SELF, "'unsafe-inline'"],
        "style-src-elem": [_SELF],
        "style-src-attr": ["'unsafe-inline'"],
        # data: images: Bootstrap's form controls draw their arrows and ticks with them.
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "worker-src": [_SELF],
        "manifest-src": [_SELF],
        "frame-src": [_NONE],
        "object-src": [_NONE],
        "base-uri": [_NONE],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    }
}
# Browser features: geolocation for "nearest stations" on the check-in page, fullscreen for
# the wall display; everything else (the camera included: members scan a station's code with
# their phone's own camera or WeChat, no page reads the camera) is off for every origin.
_OFF = (
    "accelerometer autoplay camera display-capture encrypted-media gyroscope magnetometer "
    "microphone midi payment picture-in-picture publickey-credentials-get screen-wake-lock "
    "usb xr-spatial-tracking"
)  # only features Chromium knows: an unknown one is an error in the browser's console
LIUDONG_PERMISSIONS_POLICY = {
    "geolocation": "(self)",
    "fullscreen": "(self)",
    **dict.fromkeys(_OFF.split(), "()"),
}
