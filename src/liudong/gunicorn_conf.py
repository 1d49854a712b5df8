"""gunicorn settings for production and for ``benchmarks/checkin.py`` (the same file).

    gunicorn -c python:liudong.gunicorn_conf liudong.wsgi

Two processes per core at most, each with a few threads (``gthread``): a request waiting on
PostgreSQL (a lock, a commit's flush) no longer blocks its process, and kept-alive client
connections are served without a new TCP handshake per request (sync workers close every
connection). Each thread keeps its own database connection (``CONN_MAX_AGE``), so the
server holds ``workers × threads`` connections. Environment variables override:
``LIUDONG_BIND``, ``LIUDONG_WEB_WORKERS``, ``LIUDONG_WEB_THREADS``, ``LIUDONG_WEB_KEEPALIVE``.
"""

from __future__ import annotations

import os

bind = os.environ.get("LIUDONG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LIUDONG_WEB_WORKERS", str(min(os.cpu_count() or 1, 4))))
worker_class = "gthread"
threads = int(os.environ.get("LIUDONG_WEB_THREADS", "4"))
# Seconds an idle kept-alive connection stays open: longer than the proxy in front keeps its
# idle upstream connections (nginx's upstream ``keepalive_timeout``, 60 s by default), so the
# proxy, not gunicorn, closes them. The other way round a request sent on a connection at the
# moment gunicorn closes it is reset ("Connection reset by peer"; nginx answers 502 for a
# POST, which it does not retry): the soak (benchmarks/soak.py) met it at 5 s. Without a
# proxy in front, many phones' idle connections count against each worker's 1,000: set 5.
keepalive = int(os.environ.get("LIUDONG_WEB_KEEPALIVE", "75"))
backlog = 512
# Each worker its own listening socket (SO_REUSEPORT): the kernel spreads new connections
# over the workers instead of the first awake worker taking most of them.
reuse_port = True
timeout = 60
graceful_timeout = 20
loglevel = os.environ.get("LIUDONG_GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("LIUDONG_GUNICORN_ACCESS_LOG") or None


def _no_server_banner() -> None:
    """No ``Server: gunicorn`` header: the response does not name the server software
    (decision 181; nginx in front says ``server_tokens off``, docs/operations.md). gunicorn
    has no setting for it, so the header is left out of the lines it writes first. HTTP/1.1
    only: gunicorn speaks plain HTTP/1.1 behind nginx here, never HTTP/2."""
    from gunicorn.http import wsgi

    written = wsgi.Response.default_headers
    if getattr(written, "without_banner", False):
        return

    def default_headers(self: wsgi.Response) -> list[str]:
        return [line for line in written(self) if not line.lower().startswith("server:")]

    default_headers.without_banner = True  # type: ignore[attr-defined]
    wsgi.Response.default_headers = default_headers  # type: ignore[method-assign]


_no_server_banner()
