"""`saferleeds serve --workers N`: several gunicorn worker processes (issue #18, item 1)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saferleeds.cli.serving import behind_proxy, default_workers, gunicorn_options


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_documented_worker_count_and_options() -> None:
    assert default_workers() == 2 * (os.cpu_count() or 1) + 1
    opts = gunicorn_options("127.0.0.1", 8000, 5, 4)
    assert opts["bind"] == "127.0.0.1:8000"
    assert (opts["workers"], opts["threads"], opts["worker_class"]) == (5, 4, "gthread")
    assert gunicorn_options("::1", 8000, 1, 1)["bind"] == "[::1]:8000"


def test_forwarded_headers_believed_from_the_proxy_only() -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return []

    wrapped = behind_proxy(app, "10.0.0.1")
    headers = {
        "HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.7",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
    }
    wrapped({"REMOTE_ADDR": "10.0.0.1", **headers}, None)
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == ("192.0.2.7", "https")
    seen.clear()
    wrapped({"REMOTE_ADDR": "192.0.2.9", **headers}, None)
    assert seen["REMOTE_ADDR"] == "192.0.2.9" and seen["wsgi.url_scheme"] == "http"
    assert "HTTP_X_FORWARDED_FOR" not in seen and "HTTP_X_FORWARDED_PROTO" not in seen


def test_static_files_are_cached_by_browsers() -> None:
    r = Client().get("/static/web/saferleeds.css")
    assert r.status_code == 200
    assert "max-age=3600" in r["Cache-Control"] and "public" in r["Cache-Control"]
    assert r.get("ETag")  # revalidated after the hour, not fetched again


def test_serve_with_workers_runs_several_processes_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {**os.environ, "SAFERLEEDS_DATA_DIR": str(tmp_path), "SAFERLEEDS_ENV": "test"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "saferleeds.cli", "serve", "--port", str(port)]
        + ["--workers", "2", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                url = f"http://127.0.0.1:{port}/static/web/saferleeds.css"
                with urllib.request.urlopen(url, timeout=30) as r:
                    assert r.status == 200
                    assert r.headers["Server"].startswith("gunicorn")
                    assert "max-age=3600" in r.headers["Cache-Control"]
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start: {proc.communicate()[1]}")
                time.sleep(0.5)
        # The master forks its workers one after another: the first may answer before
        # the second is up, so wait (bounded) for both.
        children: list[str] = []
        until = time.monotonic() + 60
        while len(children) < 2 and time.monotonic() < until:
            children = subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
            time.sleep(0.2)
        assert len(children) == 2, children  # two worker processes under the master
        proc.send_signal(signal.SIGTERM)  # graceful stop
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "2 worker processes of 2 threads" in stderr
    assert "Traceback" not in stderr
