"""The production server: several worker processes under gunicorn (issue #18, item 1).

``saferleeds serve`` alone stays the embedded server (waitress, one process, threads):
one command, no set-up. ``saferleeds serve --workers N`` runs N gunicorn worker
processes, each with ``--threads`` threads, so one slow page (the map's Gi*) holds one
thread of one process rather than the whole server, and a crashed worker is replaced.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def default_workers() -> int:
    """Gunicorn's usual worker count: two per CPU, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def behind_proxy(app: WSGIApp, proxy: str) -> WSGIApp:
    """Believe X-Forwarded-For/-Proto from ``proxy`` only, as waitress's trusted_proxy.

    A request from the proxy gets the client address the proxy appended last and the
    scheme it saw; from anyone else both headers are dropped, never believed.
    """

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REMOTE_ADDR") == proxy:
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
            client = forwarded.rsplit(",", 1)[-1].strip()
            if client:
                environ["REMOTE_ADDR"] = client
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
            if scheme in ("http", "https"):
                environ["wsgi.url_scheme"] = scheme
        else:
            environ.pop("HTTP_X_FORWARDED_FOR", None)
            environ.pop("HTTP_X_FORWARDED_PROTO", None)
        return app(environ, start_response)

    return wrapped


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, timeout: int = 120
) -> dict[str, Any]:
    """The gunicorn settings ``serve --workers`` runs with."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # The heaviest page (the map, uncached) takes well under this on 2 CPUs.
        "timeout": timeout,
        "graceful_timeout": 30,  # SIGTERM: requests in flight finish first
        "keepalive": 5,
        # Recycle a worker now and then, so memory a long run fragments is returned.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        # The app logs one line per request itself; gunicorn logs its own events.
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "saferleeds",
        # No runtime control socket (gunicorn 25+): it would sit in $HOME and clash
        # between two instances; systemd or the terminal stops and restarts it.
        "control_socket_disable": True,
        # Forwarded headers are handled by behind_proxy (REMOTE_ADDR included).
        "forwarded_allow_ips": "",
    }


# How long a stopping server lets requests in flight finish (gunicorn's too).
GRACEFUL_TIMEOUT = 30.0


def _busy(channel: Any) -> bool:
    """Whether a waitress connection is mid-request: receiving, served or sending."""
    return bool(
        channel.request is not None  # part of a request received (a slow upload)
        or channel.requests  # received, queued or being served
        or channel.total_outbufs_len  # a response not yet sent
    )


def run_waitress(
    app: WSGIApp, *, graceful_timeout: float = GRACEFUL_TIMEOUT, **adjustments: Any
) -> None:
    """Run ``app`` under waitress until SIGTERM or Ctrl-C, then stop gracefully.

    Waitress alone dies on SIGTERM (what systemd and ``docker stop`` send) mid-request,
    cutting off whoever was waiting. Here the signal only stops new connections: the
    requests in flight (including one still arriving from a slow client) finish and
    are sent, idle keep-alive connections close, and the process returns (exit 0).
    After ``graceful_timeout`` seconds whatever is left is abandoned, as gunicorn does.

    Args:
        app: The WSGI application.
        graceful_timeout: Seconds requests in flight get to finish after the signal.
        **adjustments: Waitress settings (host, port, threads, ident, proxy...).
    """
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer, create_server

    socket_map: dict[int, Any] = {}
    server = create_server(app, map=socket_map, **adjustments)
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    use_poll = server.adj.asyncore_use_poll

    def turn() -> None:
        # One pass of waitress's own loop; short, so a signal is seen within 0.2 s.
        wasyncore.loop(timeout=0.2, map=socket_map, use_poll=use_poll, count=1)

    server.print_listen("Serving on http://{}:{}")
    while not stopping.is_set():
        turn()
    # Stop listening: a new client is refused at once rather than left waiting.
    for listener in [d for d in socket_map.values() if isinstance(d, BaseWSGIServer)]:
        listener.accepting = False
        listener.del_channel()
        listener.socket.close()
    deadline = time.monotonic() + graceful_timeout
    while time.monotonic() < deadline:
        channels = [c for c in socket_map.values() if isinstance(c, HTTPChannel)]
        if not any(_busy(c) for c in channels):
            break
        for c in channels:
            if not _busy(c):
                c.will_close = True  # idle keep-alive: nothing to finish
        turn()
    server.task_dispatcher.shutdown(timeout=max(0.0, deadline - time.monotonic()))
    wasyncore.close_all(socket_map)


def run_gunicorn(app: WSGIApp, options: dict[str, Any]) -> None:
    """Run ``app`` under gunicorn with ``options`` until stopped (SIGTERM or Ctrl-C)."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # settings an older gunicorn lacks: skip
                    self.cfg.set(key, value)

        def load(self) -> WSGIApp:
            return app

    _Server().run()
