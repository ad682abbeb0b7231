"""`sitoo-wh doctor`, check by check, with everything it looks at injected or made in tmp_path:
settings from a dict, HTTP through `httpx.MockTransport`, real loopback sockets for the
reachability probe, real DuckDB files (written by the extractor's `Landing` and by `publish`),
a writer subprocess holding a lock, a fake clock and a fake disk.

What must hold for every check: the verdict matches the situation, anything not OK says how to
fix it, and the API password never appears in the output.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from extract.landing import Landing, Outcome
from sitoo_wh import cli, doctor
from sitoo_wh.config import Settings, load_settings
from sitoo_wh.doctor import files, history, network
from sitoo_wh.doctor.configuration import check_configuration
from sitoo_wh.doctor.model import REDACTED, CheckResult, Redactor, Verdict, shorten
from sitoo_wh.publish import marts_path_for, publish

PASSWORD = "s3cret-Passw0rd"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
GB = 1024**3
MB = 1024**2


def env_for(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {
        "SITOO_BASE_URL": "https://api.example.com",
        "SITOO_ACCOUNT_ID": "1500",
        "SITOO_API_ID": "1500-1",
        "SITOO_API_PASSWORD": PASSWORD,
        "SITOO_JOURNALS_URL": "https://journals.example.com/v3",
        "SITOO_WH_DATA_DIR": str(data_dir),
        "SITOO_WH_CONFIG": str(data_dir / "absent.toml"),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


def settings_for(data_dir: Path, **overrides: str) -> Settings:
    return load_settings(env_for(data_dir, **overrides))


def text_of(*results: CheckResult) -> str:
    return "\n".join(f"{r.message} {r.fix or ''}" for r in results)


REDACT = Redactor([PASSWORD], ["1500-1"])


# ----------------------------------------------------------------------------- redaction
def test_redactor_blanks_the_password_its_basic_token_and_url_userinfo() -> None:
    token = base64.b64encode(f"1500-1:{PASSWORD}".encode()).decode()
    text = f"pw={PASSWORD} auth=Basic {token} url=https://bob:hunter22@host/x"

    out = REDACT(text)

    assert PASSWORD not in out
    assert token not in out
    assert "hunter22" not in out
    assert out.count(REDACTED) == 3


def test_redactor_leaves_text_alone_for_passwords_too_short_to_redact_safely() -> None:
    assert Redactor(["ab"], ["1500-1"])("a table of abc") == "a table of abc"


def test_shorten_redacts_before_cutting_so_no_prefix_of_the_password_survives() -> None:
    text = "x" * 290 + PASSWORD + " and more\nsecond line"

    out = shorten(text, REDACT, 300)

    assert PASSWORD[:5] not in out
    assert out.endswith("…")
    assert "second line" not in out


# ----------------------------------------------------------------------------- configuration
def test_configuration_ok_names_url_account_user_and_data_dir(tmp_path: Path) -> None:
    outcome = check_configuration(env_for(tmp_path))

    assert outcome.result.verdict is Verdict.OK
    assert outcome.settings is not None
    assert "https://api.example.com" in outcome.result.message
    assert "1500-1" in outcome.result.message
    assert str(tmp_path) in outcome.result.message
    assert PASSWORD not in text_of(outcome.result)


def test_configuration_missing_password_fails_naming_it_and_keeps_the_data_dir(
    tmp_path: Path,
) -> None:
    outcome = check_configuration(env_for(tmp_path, SITOO_API_PASSWORD="", SITOO_API_ID=""))

    assert outcome.result.verdict is Verdict.FAIL
    assert "SITOO_API_PASSWORD" in outcome.result.message
    assert "SITOO_API_ID" in outcome.result.message
    assert outcome.result.fix is not None
    assert outcome.settings is None
    assert outcome.data_dir == tmp_path


def test_configuration_plain_http_to_a_remote_host_fails_with_the_https_fix(
    tmp_path: Path,
) -> None:
    outcome = check_configuration(env_for(tmp_path, SITOO_BASE_URL="http://api.example.com"))

    assert outcome.result.verdict is Verdict.FAIL
    assert "https" in outcome.result.message
    assert outcome.result.fix is not None
    assert "Backoffice" in outcome.result.fix
    assert outcome.settings is None


def test_configuration_plain_http_on_loopback_is_accepted(tmp_path: Path) -> None:
    outcome = check_configuration(
        env_for(
            tmp_path,
            SITOO_BASE_URL="http://127.0.0.1:8765",
            SITOO_JOURNALS_URL="http://127.0.0.1:8765/journals/v3",
        )
    )

    assert outcome.result.verdict is Verdict.OK
    assert "loopback" in outcome.result.message


def test_configuration_never_echoes_credentials_embedded_in_a_bad_url(tmp_path: Path) -> None:
    outcome = check_configuration(
        env_for(tmp_path, SITOO_BASE_URL=f"ftp://1500-1:{PASSWORD}@api.example.com")
    )

    assert outcome.result.verdict is Verdict.FAIL
    assert PASSWORD not in text_of(outcome.result)


def test_configuration_non_numeric_account_fails(tmp_path: Path) -> None:
    outcome = check_configuration(env_for(tmp_path, SITOO_ACCOUNT_ID="acme"))

    assert outcome.result.verdict is Verdict.FAIL
    assert "SITOO_ACCOUNT_ID" in outcome.result.message


def test_configuration_warns_when_api_id_is_not_of_the_account(tmp_path: Path) -> None:
    outcome = check_configuration(env_for(tmp_path, SITOO_API_ID="2000-1"))

    assert outcome.result.verdict is Verdict.WARN
    assert "2000-1" in outcome.result.message
    assert outcome.settings is not None  # a warning still lets the network checks run


def test_configuration_warns_when_a_config_file_with_the_password_is_readable_by_others(
    tmp_path: Path,
) -> None:
    config = tmp_path / "sitoo-wh.toml"
    config.write_text(f'[sitoo]\napi_password = "{PASSWORD}"\n')
    config.chmod(0o644)
    env = env_for(tmp_path, SITOO_API_PASSWORD="", SITOO_WH_CONFIG=str(config))

    loose = check_configuration(env)
    config.chmod(0o600)
    tight = check_configuration(env)

    assert loose.result.verdict is Verdict.WARN
    assert loose.result.fix == f"chmod 600 {config}"
    assert tight.result.verdict is Verdict.OK
    assert "from the environment and" in tight.result.message
    assert PASSWORD not in text_of(loose.result, tight.result)


# ----------------------------------------------------------------------------- reachability
@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback socket that listens but never accepts: TCP connects, nothing answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock


def _port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return _port(sock)


def test_probe_reaches_a_listening_plain_http_port(listener: socket.socket) -> None:
    found = network.probe_host(f"http://127.0.0.1:{_port(listener)}", 2.0)

    assert found.reachable
    assert "plain http" in found.detail


def test_probe_explains_connection_refused(tmp_path: Path) -> None:
    found = network.probe_host(f"http://127.0.0.1:{_closed_port()}", 2.0)

    assert not found.reachable
    assert "refused" in found.detail
    assert found.fix is not None
    assert "sitoo-wh simulator serve" in found.fix


def test_probe_explains_a_dns_failure() -> None:
    def no_such_host(host: str, port: int) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    found = network.probe_host("https://api.nowhere.invalid", 2.0, resolve=no_such_host)

    assert not found.reachable
    assert "cannot resolve api.nowhere.invalid" in found.detail
    assert found.fix is not None
    assert "DNS" in found.fix


def test_probe_gives_up_on_a_resolver_that_hangs() -> None:
    release = threading.Event()

    def hang(host: str, port: int) -> list[Any]:
        release.wait(10)
        return []

    try:
        found = network.probe_host("https://api.example.com", 0.2, resolve=hang)
    finally:
        release.set()

    assert not found.reachable
    assert "no DNS answer within 0.2 s" in found.detail


def test_probe_explains_a_tcp_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def blackhole(addresses: list[Any], timeout: float) -> socket.socket:
        raise TimeoutError("timed out")

    monkeypatch.setattr(network, "_connect", blackhole)

    found = network.probe_host("https://api.example.com", 0.5, resolve=lambda h, p: [])

    assert not found.reachable
    assert "no answer from api.example.com:443 within 0.5 s" in found.detail
    assert found.fix is not None
    assert "firewall" in found.fix


def test_probe_explains_a_tls_handshake_that_never_completes(listener: socket.socket) -> None:
    found = network.probe_host(f"https://127.0.0.1:{_port(listener)}", 0.3)

    assert not found.reachable
    assert "TLS handshake failed (timed out)" in found.detail


def _serve_once(sock: socket.socket, reply: Callable[[socket.socket], None]) -> threading.Thread:
    def run() -> None:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        with conn:
            reply(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_probe_explains_an_https_url_on_a_plain_http_port(listener: socket.socket) -> None:
    def plain_http(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = _serve_once(listener, plain_http)
    found = network.probe_host(f"https://127.0.0.1:{_port(listener)}", 2.0)
    thread.join(2)

    assert not found.reachable
    assert "TLS handshake failed" in found.detail
    assert found.fix is not None
    assert "scheme and port" in found.fix


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate no trust store knows, made with the openssl command line."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_probe_explains_an_untrusted_certificate(
    listener: socket.socket, self_signed: tuple[Path, Path]
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)

    def tls(conn: socket.socket) -> None:
        try:
            with context.wrap_socket(conn, server_side=True) as wrapped:
                wrapped.recv(1)
        except (ssl.SSLError, OSError):
            pass  # the client hangs up on the untrusted certificate

    thread = _serve_once(listener, tls)
    found = network.probe_host(f"https://localhost:{_port(listener)}", 2.0)
    thread.join(2)

    assert not found.reachable
    assert "certificate not trusted" in found.detail
    assert found.fix is not None
    assert "SSL_CERT_FILE" in found.fix


def test_reachability_probes_each_host_once_and_fails_if_the_journals_host_is_down() -> None:
    probed: list[str] = []

    def probe(url: str, timeout: float) -> network.HostProbe:
        probed.append(url)
        up = "journals" not in url
        return network.HostProbe(url, url.split("/")[2], 443, up, f"{url} up={up}", "fix it")

    same, _ = network.check_reachability(
        ["https://api.example.com", "https://api.example.com/journals/v3"], 1.0, probe=probe
    )
    apart, probes = network.check_reachability(
        ["https://api.example.com", "https://journals.example.com/v3"], 1.0, probe=probe
    )

    assert same.verdict is Verdict.OK
    assert same.message.startswith("v2 API and Journals v3: ")
    assert "; Journals v3: " in apart.message
    assert probed.count("https://api.example.com") == 2  # once per call, not per URL
    assert apart.verdict is Verdict.FAIL
    assert [p.reachable for p in probes] == [True, False]
    assert apart.fix == "fix it"


def test_probe_defers_to_a_configured_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    found = network.probe_host("https://api.example.com", 1.0, resolve=lambda h, p: [])

    assert found.reachable
    assert "via proxy http://proxy.internal:3128" in found.detail


# ----------------------------------------------------------------------------- credentials
SERVER_NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


@dataclass
class FakeSitoo:
    """A MockTransport handler: answers per path, records the requests, stamps a Date."""

    sites_status: int = 200
    sites_body: Any = None
    journal_status: int = 200
    registers: tuple[str, ...] = ("{REG-1}",)
    date: datetime | None = SERVER_NOW
    headers: dict[str, str] | None = None
    raw_body: bytes | None = None

    def __post_init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        headers = dict(self.headers or {})
        if self.date is not None:
            headers["Date"] = format_datetime(self.date, usegmt=True)
        path = request.url.path
        if path.endswith("/sites.json"):
            if self.raw_body is not None:
                return httpx.Response(self.sites_status, content=self.raw_body, headers=headers)
            body = self.sites_body or {"totalcount": 2, "items": [{"eshopid": 1}, {"eshopid": 2}]}
            if self.sites_status != 200:
                body = {"statuscode": self.sites_status, "errortext": f"Nope {PASSWORD}"}
            return httpx.Response(self.sites_status, json=body, headers=headers)
        if path.endswith("/cashregisters.json"):
            items = [{"registerid": r} for r in self.registers] if "/sites/2/" in path else []
            return httpx.Response(200, json={"totalcount": len(items), "items": items})
        if path.endswith("/journal-entries"):
            body = {"items": [], "next": None}
            if self.journal_status != 200:
                body = {"title": "Unauthorized"}
            return httpx.Response(self.journal_status, json=body, headers=headers)
        return httpx.Response(404, json={"statuscode": 404, "errortext": "no route"})


def client_for(settings: Settings, fake: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return network.make_client(settings, 2.0, httpx.MockTransport(fake))


def fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def credentials(tmp_path: Path, fake: FakeSitoo, now: datetime = NOW) -> network.CredentialsOutcome:
    settings = settings_for(tmp_path)
    with client_for(settings, fake) as client:
        return network.check_credentials(settings, client, REDACT, fixed(now))


def test_credentials_ok_uses_basic_auth_on_the_sites_list_and_samples_the_date(
    tmp_path: Path,
) -> None:
    fake = FakeSitoo()

    outcome = credentials(tmp_path, fake)

    assert outcome.result.verdict is Verdict.OK
    assert outcome.authenticated
    assert "2 sites" in outcome.result.message
    request = fake.seen[0]
    assert request.url.path == "/v2/accounts/1500/sites.json"
    assert request.url.params["num"] == "1"
    expected = base64.b64encode(f"1500-1:{PASSWORD}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert outcome.sample == network.ClockSample(SERVER_NOW, NOW)


def test_credentials_401_explains_password_and_ip_allow_list_without_echoing_the_secret(
    tmp_path: Path,
) -> None:
    outcome = credentials(tmp_path, FakeSitoo(sites_status=401))

    result = outcome.result
    assert result.verdict is Verdict.FAIL
    assert not outcome.authenticated
    assert "HTTP 401" in result.message
    assert "allowed IPs" in result.message
    assert result.fix is not None
    assert "SITOO_API_PASSWORD" in result.fix
    assert "allowed IPs" in result.fix
    assert "Backoffice → Settings → Sitoo REST API" in result.fix
    assert PASSWORD not in text_of(result)  # the fake server echoed it in errortext
    assert outcome.sample is not None  # a 401 still carries the server's Date


def test_credentials_403_names_rights_and_the_allow_list(tmp_path: Path) -> None:
    result = credentials(tmp_path, FakeSitoo(sites_status=403)).result

    assert result.verdict is Verdict.FAIL
    assert result.fix is not None
    assert "Administrator" in result.fix
    assert "allowed IPs" in result.fix


def test_credentials_404_points_at_the_account_id_and_base_url(tmp_path: Path) -> None:
    result = credentials(tmp_path, FakeSitoo(sites_status=404)).result

    assert result.verdict is Verdict.FAIL
    assert result.fix is not None
    assert "SITOO_ACCOUNT_ID" in result.fix
    assert "SITOO_BASE_URL" in result.fix


def test_credentials_redirect_fails_and_shows_only_where_it_goes(tmp_path: Path) -> None:
    result = credentials(
        tmp_path,
        FakeSitoo(sites_status=302, headers={"Location": "https://login.example.net/x?y=1"}),
    ).result

    assert result.verdict is Verdict.FAIL
    assert "redirected to https://login.example.net" in result.message
    assert "?y=1" not in result.message


@pytest.mark.parametrize("status", [429, 503])
def test_credentials_throttled_or_server_error_is_a_warning(tmp_path: Path, status: int) -> None:
    result = credentials(tmp_path, FakeSitoo(sites_status=status)).result

    assert result.verdict is Verdict.WARN
    assert "not verified" in result.message


def test_credentials_200_that_is_not_a_sitoo_list_fails(tmp_path: Path) -> None:
    result = credentials(tmp_path, FakeSitoo(raw_body=b"<html>Backoffice login</html>")).result

    assert result.verdict is Verdict.FAIL
    assert "not with a Sitoo list" in result.message


def test_credentials_transport_error_fails_without_a_clock_sample(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection reset by peer", request=request)

    settings = settings_for(tmp_path)
    with client_for(settings, refuse) as client:
        outcome = network.check_credentials(settings, client, REDACT, fixed(NOW))

    assert outcome.result.verdict is Verdict.FAIL
    assert "ConnectError" in outcome.result.message
    assert outcome.sample is None


# ----------------------------------------------------------------------------- journals
def test_journals_reads_one_entry_of_the_first_register_found(tmp_path: Path) -> None:
    fake = FakeSitoo()
    settings = settings_for(tmp_path)
    with client_for(settings, fake) as client:
        result = network.check_journals(settings, client, REDACT, fixed(NOW))

    assert result.verdict is Verdict.OK
    journal = fake.seen[-1]
    assert journal.url.host == "journals.example.com"
    assert journal.url.path == "/v3/journal-entries"
    assert journal.url.params["register_id"] == "{REG-1}"


def test_journals_401_after_v2_accepted_points_at_the_journals_url(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with client_for(settings, FakeSitoo(journal_status=401)) as client:
        result = network.check_journals(settings, client, REDACT, fixed(NOW))

    assert result.verdict is Verdict.FAIL
    assert "v2 API accepted the same credentials" in result.message
    assert result.fix is not None
    assert "SITOO_JOURNALS_URL" in result.fix


def test_journals_without_any_register_is_skipped(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with client_for(settings, FakeSitoo(registers=())) as client:
        result = network.check_journals(settings, client, REDACT, fixed(NOW))

    assert result.verdict is Verdict.SKIP
    assert result.message.startswith("skipped: no cash register")


# ----------------------------------------------------------------------------- clock
@pytest.mark.parametrize(
    ("skew", "verdict", "words"),
    [
        (0, Verdict.OK, "within 0 s"),
        (-45, Verdict.OK, "within 45 s"),
        (90, Verdict.WARN, "90 s behind"),
        (-240, Verdict.WARN, "4 min 0 s ahead of"),
        (301, Verdict.FAIL, "5 min 1 s behind"),
        (-7300, Verdict.FAIL, "2 h 1 min ahead of"),
    ],
)
def test_clock_skew_thresholds(skew: int, verdict: Verdict, words: str) -> None:
    sample = network.ClockSample(NOW + timedelta(seconds=skew), NOW)

    result = network.check_clock(sample)

    assert result.verdict is verdict
    assert words in result.message
    if verdict is not Verdict.OK:
        assert result.fix is not None
        assert "NTP" in result.fix or "ntp" in result.fix


def test_clock_is_measured_from_the_date_header_of_a_real_exchange(tmp_path: Path) -> None:
    late_local = NOW + timedelta(minutes=10)

    outcome = credentials(tmp_path, FakeSitoo(), now=late_local)
    result = network.check_clock(outcome.sample)

    assert result.verdict is Verdict.FAIL
    assert "10 min 0 s ahead of the API server's" in result.message


def test_clock_without_a_date_header_warns_and_without_an_answer_is_skipped(
    tmp_path: Path,
) -> None:
    outcome = credentials(tmp_path, FakeSitoo(date=None))

    assert network.check_clock(outcome.sample).verdict is Verdict.WARN
    skipped = network.check_clock(None, "nobody home")
    assert skipped.verdict is Verdict.SKIP
    assert skipped.message == "skipped: nobody home"


# ----------------------------------------------------------------------------- disk
@dataclass(frozen=True)
class Usage:
    free: int
    total: int = 100 * GB


def disk(free: int) -> Callable[[Path], files.DiskUsage]:
    return lambda path: Usage(free)


def test_disk_ok_warn_and_fail_on_the_fixed_floors(tmp_path: Path) -> None:
    ok = files.check_disk(tmp_path, disk(10 * GB))
    low = files.check_disk(tmp_path, disk(1 * GB))
    full = files.check_disk(tmp_path, disk(100 * MB))

    assert (ok.verdict, low.verdict, full.verdict) == (Verdict.OK, Verdict.WARN, Verdict.FAIL)
    assert "10.0 GB free" in ok.message
    assert low.fix is not None
    assert "SITOO_WH_DATA_DIR" in low.fix
    assert "fail below 200.0 MB" in full.message


def test_disk_warns_below_twice_the_warehouse_size(tmp_path: Path) -> None:
    """The warehouse is both files dbt writes: warehouse.duckdb and the marts file."""
    with (tmp_path / "warehouse.duckdb").open("wb") as sparse:
        sparse.truncate(2 * GB)
    with marts_path_for(tmp_path / "warehouse.duckdb").open("wb") as sparse:
        sparse.truncate(1 * GB)

    result = files.check_disk(tmp_path, disk(5 * GB))

    assert result.verdict is Verdict.WARN
    assert "warehouse 3.0 GB" in result.message


def test_disk_of_a_data_dir_not_created_yet_is_measured_on_its_parent(tmp_path: Path) -> None:
    asked: list[Path] = []

    def usage(path: Path) -> files.DiskUsage:
        asked.append(path)
        return Usage(10 * GB)

    result = files.check_disk(tmp_path / "new" / "data", usage)

    assert result.verdict is Verdict.OK
    assert asked == [tmp_path]
    assert "will be created there" in result.message


# ----------------------------------------------------------------------------- warehouse files
def make_warehouse(path: Path, *, marts: bool = True) -> None:
    """What an extract (and a build) leaves: raw and meta by `Landing`, and the marts file
    next to it written by hand."""
    with Landing(path, "run-1") as landing:
        landing.con.execute("CREATE TABLE raw.orders (orderid BIGINT, payload JSON)")
    if marts:
        with duckdb.connect(str(marts_path_for(path))) as con:
            con.execute("CREATE SCHEMA marts")
            con.execute("CREATE TABLE marts.fct_sales_daily AS SELECT 1 AS net")


def record_run(
    warehouse: Path,
    run_id: str,
    stream: str,
    ago: timedelta,
    outcome: Outcome = "ok",
    error: str | None = None,
) -> None:
    """One stream's entry in meta.extract_runs, finished `ago` before NOW (a minute long)."""
    with Landing(warehouse, run_id) as landing:
        landing.record_run(
            run_id,
            stream,
            started_at=NOW - ago - timedelta(minutes=1),
            finished_at=NOW - ago,
            pages=1,
            records=1,
            requests=1,
            retries=0,
            rejects=0,
            outcome=outcome,
            error=error,
        )


@pytest.fixture
def writer() -> Iterator[Callable[[Path], int]]:
    """Open a DuckDB file for writing in another process and hold it; yields its pid."""
    procs: list[subprocess.Popen[str]] = []
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )

    def hold(path: Path) -> int:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        return proc.pid

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait(10)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def test_warehouse_missing_is_a_warning_with_the_first_load_command(tmp_path: Path) -> None:
    result = files.check_warehouse(tmp_path / "warehouse.duckdb", REDACT)

    assert result.verdict is Verdict.WARN
    assert result.fix is not None
    assert "sitoo-wh extract --since" in result.fix


def test_warehouse_written_by_an_extract_is_ok(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    make_warehouse(path)

    result = files.check_warehouse(path, REDACT)

    assert result.verdict is Verdict.OK
    assert "opens read-only" in result.message
    assert "1 raw tables" in result.message
    duckdb.connect(str(path)).close()  # and the doctor let go of it


def test_warehouse_without_the_run_log_warns(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()

    result = files.check_warehouse(path, REDACT)

    assert result.verdict is Verdict.WARN
    assert "meta.extract_runs" in result.message


def test_warehouse_that_is_not_a_duckdb_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"this is not a database" * 400)

    result = files.check_warehouse(path, REDACT)

    assert result.verdict is Verdict.FAIL
    assert result.fix is not None
    assert "move it aside" in result.fix


def test_warehouse_held_by_a_writer_names_the_process(
    tmp_path: Path, writer: Callable[[Path], int]
) -> None:
    path = tmp_path / "warehouse.duckdb"
    make_warehouse(path)
    pid = writer(path)

    result = files.check_warehouse(path, REDACT)

    assert result.verdict is Verdict.WARN
    assert f"PID {pid}" in result.message
    assert "sync" in result.message
    assert result.fix is not None
    assert f"kill {pid}" in result.fix


def test_warehouse_with_a_pending_wal_says_not_to_delete_it(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    make_warehouse(path)
    killed = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute('INSERT INTO raw.orders VALUES (1, NULL)')\n"
        "os._exit(0)\n"  # no close, no checkpoint: what a killed extract leaves
    )
    subprocess.run([sys.executable, "-c", killed, str(path)], check=True)
    assert path.with_name("warehouse.duckdb.wal").exists()

    result = files.check_warehouse(path, REDACT)

    assert result.verdict is Verdict.OK
    assert "do not delete it" in result.message


def test_serving_missing_warns_and_published_copy_is_ok(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    missing = files.check_serving(serving, REDACT)
    make_warehouse(tmp_path / "warehouse.duckdb")
    publish(tmp_path / "warehouse.duckdb", serving, "build-abc")

    published = files.check_serving(serving, REDACT)

    assert missing.verdict is Verdict.WARN
    assert missing.fix is not None
    assert "sitoo-wh sync" in missing.fix
    assert published.verdict is Verdict.OK
    assert "1 tables in marts" in published.message
    assert "build build-abc" in published.message


def test_serving_without_marts_fails(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    with duckdb.connect(str(serving)) as con:
        con.execute("CREATE SCHEMA meta")

    result = files.check_serving(serving, REDACT)

    assert result.verdict is Verdict.FAIL
    assert "no tables in schema marts" in result.message


def test_serving_opened_for_writing_by_another_program_fails(
    tmp_path: Path, writer: Callable[[Path], int]
) -> None:
    serving = tmp_path / "serving.duckdb"
    make_warehouse(tmp_path / "warehouse.duckdb")
    publish(tmp_path / "warehouse.duckdb", serving, "build-abc")
    serving.chmod(0o644)  # published read-only; someone made it writable and opened it
    pid = writer(serving)

    result = files.check_serving(serving, REDACT)

    assert result.verdict is Verdict.FAIL
    assert f"PID {pid}" in result.message
    assert result.fix is not None
    assert "read-only" in result.fix


def test_leftover_temp_file_of_a_dead_publish_is_reported_with_rm(tmp_path: Path) -> None:
    temp = tmp_path / "serving.duckdb.tmp-4242"
    temp.write_bytes(b"x" * 1000)
    (tmp_path / "serving.duckdb").write_bytes(b"")

    stale = files.check_leftovers(tmp_path, alive=lambda pid: False)
    running = files.check_leftovers(tmp_path, alive=lambda pid: pid == 4242)

    assert stale.verdict is Verdict.WARN
    assert str(temp) in stale.message
    assert stale.fix == f"nothing reads them; delete them: rm {temp}"
    assert running.verdict is Verdict.OK
    assert "publish is in progress (PID 4242)" in running.message


def test_no_leftovers_is_ok_and_pid_alive_tells_live_from_dead(tmp_path: Path) -> None:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait(10)

    assert files.check_leftovers(tmp_path).verdict is Verdict.OK
    assert files.pid_alive(os.getpid())
    assert not files.pid_alive(done.pid)


# ----------------------------------------------------------------------------- last run
def extract_run(
    failed: list[tuple[str, str]] | None = None, at: datetime = NOW - timedelta(hours=1)
) -> history.ExtractRun:
    return history.ExtractRun("run-9", at - timedelta(minutes=5), at, 13, failed or [], 0)


def build_run(
    failures: list[str] | None = None,
    at: datetime = NOW - timedelta(minutes=50),
    invocation: str = "build-9",
) -> history.BuildRun:
    return history.BuildRun(invocation, at, "build", Counter(model=60, test=227), failures or [])


def publish_run(at: datetime = NOW - timedelta(minutes=49)) -> history.PublishRun:
    return history.PublishRun(at, "build-9")


def judge(**parts: Any) -> CheckResult:
    hist = history.History(extract_source="warehouse.duckdb", **parts)
    return history.judge_history(hist, NOW, REDACT)


def test_last_run_ok_when_extract_build_and_publish_succeeded_recently() -> None:
    result = judge(extract=extract_run(), build=build_run(), publish=publish_run())

    assert result.verdict is Verdict.OK
    assert "extract run-9 ok 60 min ago" in result.message
    assert "dbt build passed" in result.message
    assert "60 models, 227 tests" in result.message
    assert "published 2026-11-28 11:11 UTC" in result.message


def test_last_run_nothing_yet_warns_with_the_sync_command() -> None:
    result = judge()

    assert result.verdict is Verdict.WARN
    assert result.fix is not None
    assert "sitoo-wh sync" in result.fix


def test_last_run_failed_stream_fails_with_its_error_redacted() -> None:
    failed = [("orders", f"HTTP 401: bad auth for {PASSWORD}"), ("stores", "boom")]

    result = judge(extract=extract_run(failed), build=build_run(), publish=publish_run())

    assert result.verdict is Verdict.FAIL
    assert "stream orders (and 1 more) failed: HTTP 401" in result.message
    assert PASSWORD not in result.message
    assert REDACTED in result.message


def test_last_run_failed_build_fails_naming_the_node() -> None:
    broken = build_run(["model.sitoo.fct_sales_daily: Binder Error: no column x"])

    result = judge(extract=extract_run(), build=broken, publish=publish_run())

    assert result.verdict is Verdict.FAIL
    assert "model.sitoo.fct_sales_daily" in result.message
    assert result.fix is not None
    assert "sitoo-wh build" in result.fix


def test_last_run_warns_when_the_last_publish_is_older_than_26_hours() -> None:
    old = NOW - timedelta(hours=27)
    result = judge(extract=extract_run(at=old), build=build_run(at=old), publish=publish_run(old))

    assert result.verdict is Verdict.WARN
    assert "older than 26 h" in result.message
    assert result.fix is not None
    assert "crontab" in result.fix


def test_last_run_warns_when_a_passing_build_was_not_published() -> None:
    later = build_run(at=NOW - timedelta(minutes=5), invocation="build-10")

    result = judge(extract=extract_run(), build=later, publish=publish_run())

    assert result.verdict is Verdict.WARN
    assert "build-10 passed but was not published" in result.message


def write_run_results(path: Path, invocation: str, statuses: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    results = [
        {"unique_id": uid, "status": status, "message": f"{status} in {uid}\ndetail"}
        for uid, status in statuses.items()
    ]
    document = {
        "metadata": {"invocation_id": invocation, "generated_at": "2026-11-28T11:10:00.5Z"},
        "results": results,
        "args": {"which": "build"},
    }
    path.write_text(json.dumps(document))


def test_history_is_read_from_the_run_log_run_results_and_meta_published(
    tmp_path: Path,
) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse)
    record_run(warehouse, "run-7", "orders", timedelta(hours=1), "failed", "HTTP 500")
    record_run(warehouse, "run-7", "sites", timedelta(hours=1))
    publish(warehouse, serving, "build-7")
    run_results = tmp_path / "dbt" / "target" / "run_results.json"
    write_run_results(run_results, "build-7", {"model.p.a": "success", "test.p.b": "fail"})

    found = history.read_history(warehouse, serving, run_results)

    assert found.extract is not None
    assert found.extract.run_id == "run-7"
    assert found.extract.failed == [("orders", "HTTP 500")]
    assert found.extract.finished_at == NOW - timedelta(hours=1)
    assert found.build is not None
    assert found.build.failures == ["test.p.b: fail in test.p.b"]
    assert found.build.finished_at == datetime(2026, 11, 28, 11, 10, 0, 500000, tzinfo=UTC)
    assert found.publish is not None
    assert found.publish.build_run_id == "build-7"


def test_history_falls_back_to_the_serving_copy_while_a_writer_holds_the_warehouse(
    tmp_path: Path, writer: Callable[[Path], int]
) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse)
    record_run(warehouse, "run-1", "sites", timedelta(minutes=59))
    publish(warehouse, serving, "build-1")
    writer(warehouse)

    result = history.check_last_run(tmp_path, NOW, REDACT)

    assert result.verdict is Verdict.OK
    assert "from serving.duckdb, as of the last publish" in result.message
    assert "held by a writer" in result.message


# ----------------------------------------------------------------------------- runner and CLI
def test_incomplete_configuration_skips_the_network_but_still_checks_the_files(
    tmp_path: Path,
) -> None:
    env = env_for(tmp_path, SITOO_API_PASSWORD="")

    report = doctor.run_checks(env, now=fixed(NOW), disk_usage=disk(10 * GB))

    verdicts = {r.name: r.verdict for r in report.results}
    assert verdicts["configuration"] is Verdict.FAIL
    for name in ("reachability", "credentials", "journals", "clock skew"):
        assert verdicts[name] is Verdict.SKIP
    assert verdicts["disk space"] is Verdict.OK
    assert verdicts["warehouse"] is Verdict.WARN
    assert report.exit_code == 1


def test_unreachable_api_skips_credentials_journals_and_clock(tmp_path: Path) -> None:
    def down(url: str, timeout: float) -> network.HostProbe:
        return network.HostProbe(url, "api.example.com", 443, False, "refused", "start it")

    report = doctor.run_checks(
        env_for(tmp_path), now=fixed(NOW), disk_usage=disk(10 * GB), probe=down
    )

    by_name = {r.name: r for r in report.results}
    assert by_name["reachability"].verdict is Verdict.FAIL
    for name in ("credentials", "journals", "clock skew"):
        assert by_name[name].verdict is Verdict.SKIP
        assert by_name[name].message == "skipped: api.example.com:443 is unreachable"


def up(url: str, timeout: float) -> network.HostProbe:
    return network.HostProbe(url, "api.example.com", 443, True, f"{url} answers")


def test_a_healthy_installation_reports_all_ok_in_order_and_exits_0(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    make_warehouse(warehouse)
    record_run(warehouse, "run-1", "sites", timedelta(minutes=29))
    publish(warehouse, tmp_path / "serving.duckdb", "build-1")
    fake = FakeSitoo()

    report = doctor.run_checks(
        env_for(tmp_path),
        now=fixed(NOW),
        disk_usage=disk(10 * GB),
        probe=up,
        transport=httpx.MockTransport(fake),
    )

    assert [r.name for r in report.results] == [
        "configuration",
        "reachability",
        "credentials",
        "journals",
        "clock skew",
        "disk space",
        "warehouse",
        "serving copy",
        "leftover files",
        "last run",
    ]
    assert {r.verdict for r in report.results} == {Verdict.OK}, doctor.render_text(report)
    assert report.exit_code == 0
    text = doctor.render_text(report)
    assert len(text.splitlines()) == len(report.results) + 2  # header, checks, summary
    assert "fix:" not in text
    document = json.loads(doctor.render_json(report))
    assert document["ok"] is True
    assert [c["verdict"] for c in document["checks"]] == ["OK"] * 10


def test_a_warning_prints_its_fix_and_keeps_exit_0(tmp_path: Path) -> None:
    report = doctor.run_checks(
        env_for(tmp_path),
        now=fixed(NOW),
        disk_usage=disk(1 * GB),
        probe=up,
        transport=httpx.MockTransport(FakeSitoo()),
    )

    text = doctor.render_text(report)
    assert report.exit_code == 0
    disk_line = next(i for i, line in enumerate(text.splitlines()) if "disk space" in line)
    assert text.splitlines()[disk_line].startswith("WARN")
    assert "fix: free space" in text.splitlines()[disk_line + 1]


def test_the_password_never_reaches_the_report_even_when_the_server_echoes_it(
    tmp_path: Path,
) -> None:
    report = doctor.run_checks(
        env_for(tmp_path),
        now=fixed(NOW),
        disk_usage=disk(10 * GB),
        probe=up,
        transport=httpx.MockTransport(FakeSitoo(sites_status=401)),
    )

    assert report.exit_code == 1
    assert PASSWORD not in doctor.render_text(report)
    assert PASSWORD not in doctor.render_json(report)


def test_a_crashing_check_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> CheckResult:
        raise RuntimeError("oops")

    monkeypatch.setattr("sitoo_wh.doctor.runner.check_leftovers", broken)

    report = doctor.run_checks(
        env_for(tmp_path, SITOO_API_PASSWORD=""), now=fixed(NOW), disk_usage=disk(10 * GB)
    )

    leftovers = next(r for r in report.results if r.name == "leftover files")
    assert leftovers.verdict is Verdict.FAIL
    assert "RuntimeError" in leftovers.message


def test_cli_registers_doctor_with_json_and_timeout() -> None:
    args = cli.build_parser().parse_args(["doctor", "--json", "--timeout", "2.5"])

    assert args.func is doctor.run
    assert args.json is True
    assert args.timeout == 2.5
