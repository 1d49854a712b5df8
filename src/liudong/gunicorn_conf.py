"""gunicorn settings for production and for ``benchmarks/checkin.py`` (the same file).

    gunicorn -c python:liudong.gunicorn_conf liudong.wsgi

Two processes per core at most, each with a few threads (``gthread``): a request waiting on
PostgreSQL (a lock, a commit's flush) no longer blocks its process, and kept-alive client
connections are served without a new TCP handshake per request (sync workers close every
connection). Each thread keeps its own database connection (``CONN_MAX_AGE``), so the
server holds ``workers × threads`` connections. Environment variables override:
``LIUDONG_BIND``, ``LIUDONG_WEB_WORKERS``, ``LIUDONG_WEB_THREADS``.
"""

from __future__ import annotations

import os

bind = os.environ.get("LIUDONG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LIUDONG_WEB_WORKERS", str(min(os.cpu_count() or 1, 4))))
worker_class = "gthread"
threads = int(os.environ.get("LIUDONG_WEB_THREADS", "4"))
keepalive = 5  # seconds; nginx in front reuses its upstream connections
backlog = 512
# Each worker its own listening socket (SO_REUSEPORT): the kernel spreads new connections
# over the workers instead of the first awake worker taking most of them.
reuse_port = True
timeout = 60
graceful_timeout = 20
loglevel = os.environ.get("LIUDONG_GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("LIUDONG_GUNICORN_ACCESS_LOG") or None
