"""The shipped deployment (docs/deployment.md): the systemd unit, its environment file and
the nginx site, tested as far as one machine without systemd or a public certificate allows.

The unit file is parsed, not copied: its ``Environment=`` lines and its ``ExecStartPre``
and ``ExecStart`` commands are run (with this checkout's ``saferleeds`` in place of
``/opt/saferleeds/.venv/bin/saferleeds``, a throw-away data dir and a free port) against
a PostgreSQL cluster of the test's own (scripts/pg.sh), with production's environment and
generated secrets, after the documented steps: migrate, an import, the first administrator.
Then ``/healthz`` must answer 200 behind the proxy's headers. ``nginx -t`` checks the site
file, and a real nginx runs it (ports and paths substituted) in front of the server, with
a certificate from a throw-away authority, when nginx is installed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from saferleeds import config
from saferleeds.demo.personas import PERSONAS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "saferleeds.service"
ENV_EXAMPLE = DEPLOY / "saferleeds.env.example"
NGINX = DEPLOY / "nginx.conf"
SHIPPED_BIN = "/opt/saferleeds/.venv/bin/saferleeds"
SAFERLEEDS_BIN = Path(sys.executable).with_name("saferleeds")
HOST = "saferleeds.test"
POLICE_MONTH = ROOT / "src/saferleeds/data/police/2017-07-west-yorkshire-street.csv.gz"


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit file as {section: [(key, value), ...]} (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line.startswith(("#", ";")):
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"key outside a section: {line!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not key=value: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in section if k == key]


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile= and `set -a; . file` read them."""
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


SERVICE = parse_unit(UNIT.read_text())["Service"]


def test_unit_runs_the_server_as_its_own_user_in_production() -> None:
    unit = parse_unit(UNIT.read_text())
    assert set(unit) == {"Unit", "Service", "Install"}
    assert values(SERVICE, "User") == ["saferleeds"]
    assert values(SERVICE, "EnvironmentFile") == ["/etc/saferleeds.env"]
    env = dict(v.split("=", 1) for v in values(SERVICE, "Environment"))
    assert env["SAFERLEEDS_ENV"] == "production"
    assert values(SERVICE, "ReadWritePaths") == [env["SAFERLEEDS_DATA_DIR"]]
    [start] = values(SERVICE, "ExecStart")
    argv = shlex.split(start)
    assert argv[:2] == [SHIPPED_BIN, "serve"]
    # Listens on loopback only, behind nginx, whose forwarded headers it believes.
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--trusted-proxy") + 1] == "127.0.0.1"
    port = argv[argv.index("--port") + 1]
    assert f"server 127.0.0.1:{port};" in NGINX.read_text()
    assert values(unit["Install"], "WantedBy") == ["multi-user.target"]


def test_environment_file_names_every_production_requirement() -> None:
    example = parse_env_file(ENV_EXAMPLE.read_text())
    declared = {s.name for s in config.SETTINGS}
    assert set(example) <= declared, set(example) - declared
    for required in (
        "SAFERLEEDS_SECRET_KEY",
        "SAFERLEEDS_PSEUDONYM_KEY",
        "DATABASE_URL",
        "SAFERLEEDS_ALLOWED_HOSTS",
    ):
        assert required in example
    # The placeholders do not pass production's checks: a copied example cannot start.
    assert "CHANGE-ME" in example["SAFERLEEDS_SECRET_KEY"]


def test_every_setting_is_documented() -> None:
    guide = (ROOT / "docs/deployment.md").read_text()
    for s in config.SETTINGS:
        assert f"`{s.name}`" in guide, s.name


# --- the unit's commands against PostgreSQL -------------------------------------------


@dataclass
class Install:
    env: dict[str, str]
    data: Path
    admin_link: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command(line: str, **replace: str) -> list[str]:
    """A unit's command line with this checkout's binary and the given options."""
    argv = shlex.split(line.lstrip("-@+!"))
    assert argv[0] == SHIPPED_BIN, argv
    argv[0] = str(SAFERLEEDS_BIN)
    for option, value in replace.items():
        argv[argv.index(f"--{option}") + 1] = value
    return argv


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SAFERLEEDS_BIN), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    """A production install on a fresh PostgreSQL, by docs/deployment.md's steps."""
    if not any(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL server binaries not installed (scripts/pg.sh)")
    started = subprocess.run(
        [str(ROOT / "scripts/pg.sh"), "start"],
        capture_output=True,
        text=True,
        check=True,
    )
    pg = dict(
        part.split("=", 1)
        for part in shlex.split(started.stdout.strip().removeprefix("export "))
    )
    data = tmp_path_factory.mktemp("deploy-data")
    try:
        # What systemd would give the service: a clean environment, the unit's
        # Environment= lines, then the environment file (generated secrets).
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(data)}
        env.update(v.split("=", 1) for v in values(SERVICE, "Environment"))
        example = parse_env_file(ENV_EXAMPLE.read_text())
        example.update(
            SAFERLEEDS_DATA_DIR=str(data),
            SAFERLEEDS_SECRET_KEY=secrets.token_urlsafe(50),
            SAFERLEEDS_PSEUDONYM_KEY=secrets.token_hex(32),
            DATABASE_URL=pg["DATABASE_URL"],
            SAFERLEEDS_ALLOWED_HOSTS=HOST,
        )
        env.update(example)
        env["SAFERLEEDS_DATA_DIR"] = str(data)
        for step in (
            ("manage", "migrate", "--noinput"),
            ("manage", "collectstatic", "--noinput"),
            ("import", "police", str(POLICE_MONTH)),
        ):
            done = _run(env, *step)
            assert done.returncode == 0, (step, done.stdout, done.stderr)
        admin = _run(
            env,
            "users",
            "create-admin",
            "alex.admin",
            "--agency",
            "lcc",
            "--agency-name",
            "Leeds City Council",
            "--name",
            "Alex Admin",
        )
        assert admin.returncode == 0, admin.stderr
        yield Install(env=env, data=data, admin_link=admin.stdout.strip())
    finally:
        subprocess.run(
            [str(ROOT / "scripts/pg.sh"), "stop", pg["SL_PG_DIR"]], check=False
        )


def test_first_administrator_without_any_demo_account(install: Install) -> None:
    assert install.admin_link.startswith(f"https://{HOST}/")
    listed = _run(install.env, "users", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    users = json.loads(listed.stdout)
    assert [u["username"] for u in users] == ["alex.admin"]
    assert not {p.username for p in PERSONAS} & {u["username"] for u in users}
    # No password anyone but its owner chose: production starts with this account.
    assert _run(install.env, "users", "unsafe").returncode == 0
    # And the demo, with its published password, cannot be loaded here.
    refused = _run(install.env, "demo", "load")
    assert refused.returncode == 2
    assert "create-admin" in refused.stderr


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": HOST, **headers}
    )

    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


T = TypeVar("T")


def _until_answers(
    process: subprocess.Popen[str], probe: Callable[[], T], seconds: float, what: str
) -> T:
    """``probe()``'s answer once the starting ``process`` accepts connections; fails
    with its output if it exits first, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, process.communicate()[0]
        try:
            return probe()
        except OSError:
            assert time.monotonic() < deadline, f"{what} did not answer in {seconds} s"
            time.sleep(0.2)


@contextlib.contextmanager
def _service(install: Install) -> Iterator[int]:
    """Run the unit's ExecStartPre checks, then its ExecStart on a free port; yield the
    port once ``/healthz`` answers; stop it with SIGTERM, as systemd does."""
    for pre in values(SERVICE, "ExecStartPre"):
        checked = subprocess.run(
            _command(pre),
            env=install.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
    [start] = values(SERVICE, "ExecStart")
    port = _free_port()
    server = subprocess.Popen(
        _command(start, port=str(port)),
        env=install.env,
        cwd=install.data,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _until_answers(server, lambda: _get(port, "/healthz"), 60, "server")
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            pytest.fail("the server did not stop on SIGTERM within 30 s")


def test_unit_commands_start_the_server_and_healthz_answers(install: Install) -> None:
    with _service(install) as port:
        status, _, body = _get(port, "/healthz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"
        # Plain HTTP reaching the service is sent to HTTPS; behind nginx it is not.
        status, headers, _ = _get(port, "/")
        assert status == 301
        assert headers["Location"].startswith(f"https://{HOST}/")
        status, headers, _ = _get(port, "/", **{"X-Forwarded-Proto": "https"})
        assert status == 302
        assert "/sign-in/" in headers["Location"]
        assert "Strict-Transport-Security" in headers
        # Static files are collected where nginx's /static/ location serves them from.
        assert any((install.data / "static").rglob("*.css"))


def _nginx() -> str:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip(
            "nginx not installed (scripts/apt-install.sh nginx-light installs it); "
            "deploy/nginx.conf not checked"
        )
    return nginx


def _certificates(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A throw-away certificate authority and a certificate it signed for HOST (with
    the subjectAltName browsers and Python require): ``(ca, fullchain, key)``."""
    ca_key, ca = tmp_path / "ca.key", tmp_path / "ca.pem"
    key, cert = tmp_path / "privkey.pem", tmp_path / "cert.pem"
    for argv in (
        ["-subj", "/CN=saferleeds test CA", "-keyout", str(ca_key), "-out", str(ca)],
        ["-CA", str(ca), "-CAkey", str(ca_key), "-subj", f"/CN={HOST}"]
        + ["-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key)]
        + ["-out", str(cert)],
    ):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + argv,
            capture_output=True,
            check=True,
        )
    fullchain = tmp_path / "fullchain.pem"
    fullchain.write_text(cert.read_text() + ca.read_text())
    return ca, fullchain, key


def _main_conf(tmp_path: Path, site: str) -> Path:
    """The site file inside a minimal main file (Debian includes sites-enabled in its
    http block; this stands in for /etc/nginx/nginx.conf)."""
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    # As root nginx's workers would run as nobody, who cannot read pytest's 0700
    # directories; Debian's package runs them as www-data, which may read the
    # service's static files (docs/deployment.md).
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    return main


def _replace(text: str, old: str, new: str) -> str:
    # Each edit must find its target: a changed site file fails here, not silently.
    assert old in text, f"deploy/nginx.conf no longer has {old!r}"
    return text.replace(old, new)


def _https(
    port: int, path: str, ca: Path
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """GET ``https://HOST:port/path`` on loopback, verifying the certificate chain and
    name against ``ca`` (as a browser does against its trusted roots)."""
    context = ssl.create_default_context(cafile=str(ca))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with context.wrap_socket(raw, server_hostname=HOST) as tls:
        tls.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
        )
        response = http.client.HTTPResponse(tls)  # type: ignore[arg-type]
        response.begin()
        return response.status, response.msg, response.read()


def test_a_request_through_nginx_over_tls_reaches_the_service(
    install: Install, tmp_path: Path
) -> None:
    """The shipped site, run by a real nginx in front of the unit's server: TLS with a
    verified chain, HTTP sent to HTTPS, the forwarded scheme believed, static files
    served by nginx from where collectstatic put them."""
    nginx = _nginx()
    ca, fullchain, key = _certificates(tmp_path)
    http_port, https_port = _free_port(), _free_port()
    acme = tmp_path / "acme"
    acme.mkdir()
    with _service(install) as port:
        site = NGINX.read_text()
        for old, new in (
            ("/etc/ssl/saferleeds/fullchain.pem", str(fullchain)),
            ("/etc/ssl/saferleeds/privkey.pem", str(key)),
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{port};"),
            ("/var/lib/saferleeds/static/", f"{install.data / 'static'}/"),
            ("/var/www/letsencrypt", str(acme)),
            ("server_name saferleeds.council.example;", f"server_name {HOST};"),
            ("listen [::]:80;", ""),
            ("listen [::]:443 ssl http2;", ""),
            ("listen 80;", f"listen 127.0.0.1:{http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ):
            site = _replace(site, old, new)
        main = _main_conf(tmp_path, site)
        proxy = subprocess.Popen(
            [nginx, "-e", "stderr", "-p", str(tmp_path), "-c", str(main)]
            + ["-g", "daemon off;"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            status, headers, body = _until_answers(
                proxy, lambda: _https(https_port, "/healthz", ca), 30, "nginx"
            )
            assert status == 200, body
            assert json.loads(body)["status"] == "ok"
            # nginx does not name its version (server_tokens off).
            assert headers.get("Server") == "nginx"
            # The service believes nginx's X-Forwarded-Proto: no redirect loop, the
            # sign-in page with HSTS and cookies only sent over HTTPS.
            status, headers, _ = _https(https_port, "/", ca)
            assert status == 302 and "/sign-in/" in headers["Location"]
            status, headers, body = _https(https_port, "/sign-in/", ca)
            assert status == 200, body
            assert "max-age=" in headers["Strict-Transport-Security"]
            cookies = headers.get_all("Set-Cookie") or []
            assert cookies and all("Secure" in c for c in cookies), cookies
            # Plain HTTP to nginx is sent to HTTPS before it reaches the service.
            request = urllib.request.Request(
                f"http://127.0.0.1:{http_port}/people/", headers={"Host": HOST}
            )
            try:
                urllib.request.build_opener(_NoRedirect).open(request, timeout=10)
                pytest.fail("plain HTTP was answered, not redirected")
            except urllib.error.HTTPError as e:
                assert e.code == 301
                assert e.headers["Location"] == f"https://{HOST}/people/"
            # Static files come from nginx itself, with its cache headers.
            css = next((install.data / "static").rglob("*.css"))
            rel = css.relative_to(install.data / "static").as_posix()
            status, headers, body = _https(https_port, f"/static/{rel}", ca)
            assert status == 200 and body == css.read_bytes()
            # (expires gives max-age, add_header its own line: both reach the browser)
            assert headers.get_all("Cache-Control") == ["max-age=86400", "public"]
            assert headers["X-Content-Type-Options"] == "nosniff"
        finally:
            proxy.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                proxy.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait()


def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx = _nginx()
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
    )
    site = (
        NGINX.read_text()
        .replace("/etc/ssl/saferleeds/fullchain.pem", str(cert))
        .replace("/etc/ssl/saferleeds/privkey.pem", str(key))
    )
    (tmp_path / "site.conf").write_text(site)
    # The site file goes in Debian's http block (sites-enabled); a minimal main file
    # stands in for /etc/nginx/nginx.conf.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    tested = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c"]
        + [str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stderr
    assert "test is successful" in tested.stderr
