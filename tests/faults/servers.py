"""Private servers for the fault tests: a PostgreSQL cluster, a redis-server and the app.

Never the shared ones (127.0.0.1:5432 and :6379 serve every other test and helper): the
cluster is made by ``initdb`` in a temporary folder and listens on a free port; Redis runs
on a free port without persistence. Both can be stopped and started again while the app
(gunicorn with the production configuration module, one worker of two threads) keeps
running against them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.processes import free_port, own_environment

PG_BIN = Path(os.environ.get("LIUDONG_PG_BIN", "/usr/lib/postgresql/15/bin"))
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster's commands as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def available() -> str | None:
    """Why the private servers cannot run here (None: they can)."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {PG_BIN}"
    if shutil.which("redis-server") is None:
        return "no redis-server"
    return None


class PrivatePostgres:
    """A throwaway cluster: trust authentication on 127.0.0.1, no fsync (a test's data)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="liudong-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, timeout: int = 60) -> None:
        done = subprocess.run(
            _as_postgres([str(PG_BIN / args[0]), *args[1:]]),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
        )
        assert done.returncode == 0, f"{args[0]}: {done.stdout}\n{done.stderr}"

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "liudong") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str = "liudong") -> None:
        done = subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "postgres", "-qc", f"CREATE DATABASE {name}"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    def sql(self, query: str, database: str = "liudong") -> list[list[str]]:
        """The rows of ``query`` (through psql, no Django process to start)."""
        done = subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-AtF", "\t", "-c", query],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def destroy(self) -> None:
        with contextlib.suppress(AssertionError):  # already stopped
            # thrown away: no shutdown checkpoint
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.command("PING") == "PONG":
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self, *args: str) -> Any:
        """One command through redis-cli (None when Redis does not answer)."""
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), "--no-raw", *args],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        if done.returncode != 0 or "Could not connect" in done.stdout + done.stderr:
            return None
        out = done.stdout.strip()
        return out.strip('"') if out.startswith('"') else out

    def list_items(self, key: str) -> list[str]:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), "--raw", "LRANGE", key, "0", "-1"],
            capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        return [line for line in done.stdout.splitlines() if line.strip()]


class App:
    """The app (gunicorn, the production configuration module) against the private servers."""

    def __init__(self, root: Path, database_url: str, redis_url: str, **extra: str) -> None:
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = own_environment()
        self.env.update(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            DJANGO_SETTINGS_MODULE="liudong.settings",
            LIUDONG_VAR_DIR=str(root / "var"),
            DEBUG="0",
            LIUDONG_BIND=f"127.0.0.1:{self.port}",
            LIUDONG_WEB_WORKERS="1",
            LIUDONG_WEB_THREADS="2",
            LIUDONG_CACHE_RETRY_SECONDS="1",
            PYTHONPATH=os.pathsep.join(
                [str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")]
            ),
            **extra,
        )
        self.log = root / "gunicorn.log"
        self.process: subprocess.Popen[bytes] | None = None

    def python(self, code: str, timeout: int = 600) -> str:
        """Run ``code`` in a Django process of the app's configuration; its standard output."""
        script = "import django; django.setup()\n" + code
        done = subprocess.run(
            [sys.executable, "-c", script], env=self.env, capture_output=True, text=True,
            timeout=timeout, cwd=REPO,
        )  # fmt: skip
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-4000:]}"
        return done.stdout

    def liudong(self, *args: str, timeout: int = 300) -> str:
        done = subprocess.run(
            [str(BIN / "liudong"), *args], env=self.env, capture_output=True, text=True,
            timeout=timeout, cwd=REPO,
        )  # fmt: skip
        assert done.returncode == 0, f"liudong {args}: {done.stdout}\n{done.stderr[-4000:]}"
        return done.stdout

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "python:liudong.gunicorn_conf", "liudong.wsgi"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "gunicorn exited: " + self.log.read_text()[-3000:]
            try:
                urllib.request.urlopen(self.base + "/accounts/login/", timeout=5).read()
                return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer within 120 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def fetch(
        self,
        path: str,
        *,
        data: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, Any]:
        """(status, body, headers) of one request; errors are answers too."""
        body = None
        sent = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=sent)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
