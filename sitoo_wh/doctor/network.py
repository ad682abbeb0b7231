"""Checks 2–4: can this machine reach Sitoo, does Sitoo accept the API user, and do the two
clocks agree. Each step explains the failure it sees, because "connection error" or "HTTP 401"
alone sends people looking in the wrong place."""

from __future__ import annotations

import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
import orjson

from extract.http import user_agent
from sitoo_wh.config import Settings, is_loopback_host
from sitoo_wh.doctor.model import CheckResult, Redactor, Verdict, shorten, skipped

REACHABILITY: Final = "reachability"
CREDENTIALS: Final = "credentials"
JOURNALS: Final = "journals"
CLOCK: Final = "clock skew"

CLOCK_WARN_SECONDS: Final = 60.0
CLOCK_FAIL_SECONDS: Final = 300.0
DATE_RESOLUTION_SECONDS: Final = 1.0
"""The HTTP Date header has whole seconds; skew within this is noise."""
MAX_SITES_PROBED: Final = 20
"""Sites searched for a cash register to read one journal entry of."""

BACKOFFICE_API_PAGE: Final = "Backoffice → Settings → Sitoo REST API"
_IP_ALLOW_LIST = (
    "Sitoo rejects requests from addresses not on the account's allowed IPs: add this "
    f"machine's public IP address to them in {BACKOFFICE_API_PAGE} (behind NAT or a proxy, "
    "the router's or proxy's address, not the one `ip addr` shows)"
)

Resolve = Callable[[str, int], list[Any]]
Now = Callable[[], datetime]


def _getaddrinfo(host: str, port: int) -> list[Any]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


@dataclass(frozen=True)
class HostProbe:
    """One host:port the warehouse talks to, and whether DNS, TCP and TLS worked."""

    url: str
    host: str
    port: int
    reachable: bool
    detail: str
    fix: str | None = None


def _host_port(url: str) -> tuple[str, int, bool]:
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    return parts.hostname or "", parts.port or (443 if tls else 80), tls


def _proxy_for(url: str) -> str | None:
    """The proxy httpx would use for `url` (it honours the same *_PROXY variables)."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


def _resolve_within(resolve: Resolve, host: str, port: int, timeout: float) -> list[Any]:
    """getaddrinfo has no timeout of its own; a hung resolver must not hang the doctor."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["addresses"] = resolve(host, port)
        except OSError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="doctor-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if "error" in outcome:
        raise outcome["error"]
    if "addresses" not in outcome:
        raise TimeoutError(f"no DNS answer within {timeout:g} s")
    return list(outcome["addresses"])


def _connect(addresses: list[Any], timeout: float) -> socket.socket:
    """TCP to the first resolved address that accepts (no second DNS lookup, no hang)."""
    error: OSError = OSError("no address to connect to")
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error


def probe_host(
    url: str,
    timeout: float,
    *,
    resolve: Resolve = _getaddrinfo,
    tls_context: Callable[[], ssl.SSLContext] = httpx.create_ssl_context,
) -> HostProbe:
    """DNS, then TCP, then (for https) a TLS handshake with the trust store httpx uses."""
    host, port, tls = _host_port(url)
    where = f"{host}:{port}"
    proxy = _proxy_for(url)
    if proxy is not None:
        return HostProbe(
            url, host, port, True, f"{where} via proxy {proxy} (checked by the request below)"
        )
    try:
        addresses = _resolve_within(resolve, host, port, timeout)
    except (OSError, TimeoutError) as exc:
        return HostProbe(
            url,
            host,
            port,
            False,
            f"cannot resolve {host} ({exc})",
            "check the host name (copy the API address from "
            f"{BACKOFFICE_API_PAGE}) and this machine's DNS (/etc/resolv.conf)",
        )
    started = time.perf_counter()
    try:
        sock = _connect(addresses, timeout)
    except ConnectionRefusedError:
        fix = "nothing listens on that port: check the port in the URL" + (
            "; start the simulator with `sitoo-wh simulator serve`"
            if is_loopback_host(host)
            else "; a firewall may be rejecting the connection"
        )
        return HostProbe(url, host, port, False, f"connection to {where} refused", fix)
    except TimeoutError:
        return HostProbe(
            url,
            host,
            port,
            False,
            f"no answer from {where} within {timeout:g} s",
            "a firewall is dropping the packets or there is no route: allow outbound TCP to "
            f"{where} (or set HTTPS_PROXY if this network requires a proxy)",
        )
    except OSError as exc:
        return HostProbe(
            url,
            host,
            port,
            False,
            f"cannot connect to {where} ({exc.strerror or exc})",
            "check this machine's network connection and routes",
        )
    tcp_ms = (time.perf_counter() - started) * 1000
    address = sock.getsockname()[0]
    if not tls:
        sock.close()
        return HostProbe(
            url, host, port, True, f"{where} answers (TCP {tcp_ms:.0f} ms, plain http)"
        )
    try:
        with tls_context().wrap_socket(sock, server_hostname=host) as tls_sock:
            version = tls_sock.version() or "TLS"
    except ssl.SSLCertVerificationError as exc:
        return HostProbe(
            url,
            host,
            port,
            False,
            f"{where}: TLS certificate not trusted ({exc.verify_message or exc.reason})",
            "a TLS-inspecting proxy or a wrong host: if your network re-signs TLS, point "
            "SSL_CERT_FILE at a CA bundle that includes its certificate; otherwise check the "
            "host name and this machine's clock",
        )
    except (ssl.SSLError, OSError) as exc:
        detail = "timed out" if isinstance(exc, TimeoutError) else str(exc)
        return HostProbe(
            url,
            host,
            port,
            False,
            f"{where}: TLS handshake failed ({detail})",
            "the port does not speak TLS (http:// service on an https:// URL?) or a middlebox "
            "interferes: check the URL's scheme and port",
        )
    finally:
        sock.close()
    return HostProbe(
        url,
        host,
        port,
        True,
        f"{where} answers (TCP {tcp_ms:.0f} ms, {version}; local address {address})",
    )


def check_reachability(
    urls: Sequence[str],
    timeout: float,
    *,
    probe: Callable[[str, float], HostProbe] = probe_host,
    labels: Sequence[str] = ("v2 API", "Journals v3"),
) -> tuple[CheckResult, list[HostProbe]]:
    """Every distinct host the extract calls (the v2 API and Journals v3 may differ); the
    result has one probe per URL, in order."""
    seen: dict[tuple[str, int, bool], HostProbe] = {}
    named: dict[tuple[str, int, bool], list[str]] = {}
    probes: list[HostProbe] = []
    for index, url in enumerate(urls):
        key = _host_port(url)
        if key not in seen:
            seen[key] = probe(url, timeout)
        named.setdefault(key, []).append(labels[index] if index < len(labels) else url)
        found = seen[key]
        probes.append(
            HostProbe(url, found.host, found.port, found.reachable, found.detail, found.fix)
        )
    message = "; ".join(f"{' and '.join(named[k])}: {p.detail}" for k, p in seen.items())
    bad = [p for p in seen.values() if not p.reachable]
    if bad:
        fix = "; ".join(dict.fromkeys(p.fix for p in bad if p.fix)) or None
        return CheckResult(REACHABILITY, Verdict.FAIL, message, fix), probes
    return CheckResult(REACHABILITY, Verdict.OK, message), probes


@dataclass(frozen=True)
class ClockSample:
    """The server's Date header (None if it sent none) and local UTC time when it was sent."""

    server: datetime | None
    local: datetime


@dataclass(frozen=True)
class _Answer:
    response: httpx.Response | None
    sample: ClockSample | None
    error: str | None = None


def make_client(
    settings: Settings, timeout: float, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """Like the extractor's client: Basic auth, no redirects (credentials stay on the host)."""
    return httpx.Client(
        auth=httpx.BasicAuth(settings.api_id, settings.api_password.reveal()),
        headers={"Accept": "application/json", "User-Agent": user_agent()},
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        transport=transport,
    )


def _get(client: httpx.Client, url: str, params: dict[str, str | int], now: Now) -> _Answer:
    before = now()
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as exc:
        return _Answer(None, None, f"{type(exc).__name__}: {exc}")
    after = now()
    local = before + (after - before) / 2
    server = None
    if header := response.headers.get("date"):
        try:
            server = parsedate_to_datetime(header).astimezone(UTC)
        except (TypeError, ValueError):
            server = None
    return _Answer(response, ClockSample(server, local))


def _error_text(response: httpx.Response) -> str:
    """Sitoo's `errortext` (or a problem+json `detail`), else the reason phrase."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        for key in ("errortext", "detail", "title", "message"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return response.reason_phrase


def _path(url: str) -> str:
    return urlsplit(url).path


def explain_status(
    response: httpx.Response, settings: Settings, redact: Redactor, *, api: str
) -> CheckResult:
    """A non-200 answer as a verdict with the likely causes, most likely first."""
    status = response.status_code
    said = shorten(_error_text(response), redact, 200)
    request = f"GET {_path(str(response.request.url))}"
    head = f"{api}: HTTP {status} ({said}) for {request}"
    name = CREDENTIALS if api == "v2 API" else JOURNALS
    if status == 401:
        return CheckResult(
            name,
            Verdict.FAIL,
            f"{head}: Sitoo rejected API user {settings.api_id!r} — a wrong API id or password, "
            "or this machine's IP address is not on the account's allowed IPs",
            "check SITOO_API_ID and SITOO_API_PASSWORD (generate a new password in "
            f"{BACKOFFICE_API_PAGE} if unsure); {_IP_ALLOW_LIST}; and check that "
            "SITOO_ACCOUNT_ID is the account the API user belongs to",
        )
    if status == 403:
        return CheckResult(
            name,
            Verdict.FAIL,
            f"{head}: API user {settings.api_id!r} is not allowed this call",
            "the API user needs Administrator rights and the account the API extension "
            f"({BACKOFFICE_API_PAGE}); {_IP_ALLOW_LIST}",
        )
    if status == 404:
        fix = (
            "check SITOO_ACCOUNT_ID (the account number: API id 1500-1 belongs to account 1500) "
            f"and that SITOO_BASE_URL is the API address shown in {BACKOFFICE_API_PAGE}, "
            "scheme and host only"
            if api == "v2 API"
            else "check SITOO_JOURNALS_URL (default https://journals.sitooapis.com/v3)"
        )
        return CheckResult(name, Verdict.FAIL, f"{head}: not found", fix)
    if 300 <= status < 400:
        target = urlsplit(response.headers.get("location", ""))
        where = f"{target.scheme}://{target.netloc}" if target.netloc else "another path"
        return CheckResult(
            name,
            Verdict.FAIL,
            f"{head}: redirected to {where}",
            "point the URL at the API host itself; redirects are not followed, so the "
            "credentials never travel to a host you did not configure",
        )
    if status == 429:
        return CheckResult(
            name,
            Verdict.WARN,
            f"{head}: rate limited, so the credentials were not verified",
            "another job is using the API user's request budget; run the doctor again in a "
            "minute (the extract waits and retries on 429 by itself)",
        )
    if status >= 500:
        return CheckResult(
            name,
            Verdict.WARN,
            f"{head}: an error on Sitoo's side (or a proxy's), credentials not verified",
            "try again later; the extract retries 5xx answers",
        )
    return CheckResult(
        name, Verdict.FAIL, f"{head}", "unexpected answer: check the URL and the proxy settings"
    )


@dataclass(frozen=True)
class CredentialsOutcome:
    result: CheckResult
    sample: ClockSample | None
    """Set whenever the server answered, even with 401: its Date header still counts."""
    authenticated: bool


def check_credentials(
    settings: Settings, client: httpx.Client, redact: Redactor, now: Now
) -> CredentialsOutcome:
    """One cheap authenticated call, the extract's first: `GET …/sites.json?num=1`."""
    url = f"{settings.v2_url}/sites.json"
    answer = _get(client, url, {"num": 1}, now)
    if answer.response is None:
        return CredentialsOutcome(
            CheckResult(
                CREDENTIALS,
                Verdict.FAIL,
                f"GET {_path(url)} failed: {shorten(answer.error or '', redact)}",
                "the host was reachable a moment ago: check proxies (HTTPS_PROXY) and the "
                "network, then run the doctor again",
            ),
            None,
            False,
        )
    response = answer.response
    if response.status_code != 200:
        result = explain_status(response, settings, redact, api="v2 API")
        return CredentialsOutcome(result, answer.sample, False)
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("totalcount"), int)):
        return CredentialsOutcome(
            CheckResult(
                CREDENTIALS,
                Verdict.FAIL,
                f"GET {_path(url)} answered 200 but not with a Sitoo list",
                "SITOO_BASE_URL is probably not the API host (e.g. the Backoffice address); "
                f"copy it from {BACKOFFICE_API_PAGE}",
            ),
            answer.sample,
            False,
        )
    sites = int(body["totalcount"])
    message = (
        f"API user {settings.api_id} accepted by account {settings.account_id} "
        f"({sites} site{'s' if sites != 1 else ''})"
    )
    return CredentialsOutcome(CheckResult(CREDENTIALS, Verdict.OK, message), answer.sample, True)


def _items(response: httpx.Response) -> list[Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return []
    items = body.get("items") if isinstance(body, dict) else None
    return items if isinstance(items, list) else []


def _first_register(settings: Settings, client: httpx.Client, now: Now) -> str | None:
    """A cash register id, as the journals extract finds them (sites, then registers)."""
    sites = _get(client, f"{settings.v2_url}/sites.json", {"num": MAX_SITES_PROBED}, now)
    if sites.response is None or sites.response.status_code != 200:
        return None
    for site in _items(sites.response):
        eshop = site.get("eshopid") if isinstance(site, dict) else None
        if type(eshop) is not int:
            continue
        registers = _get(
            client,
            f"{settings.v2_url}/sites/{eshop}/cashregisters.json",
            {"num": 1, "includenotregistered": "true"},
            now,
        )
        if registers.response is None or registers.response.status_code != 200:
            continue
        for register in _items(registers.response):
            if isinstance(register, dict) and isinstance(register.get("registerid"), str):
                return str(register["registerid"])
    return None


def check_journals(
    settings: Settings, client: httpx.Client, redact: Redactor, now: Now
) -> CheckResult:
    """Journals v3 takes the same credentials but is another service, maybe another host."""
    register = _first_register(settings, client, now)
    if register is None:
        return skipped(
            JOURNALS, f"no cash register found in the first {MAX_SITES_PROBED} sites to ask for"
        )
    url = f"{settings.journals_url}/journal-entries"
    answer = _get(client, url, {"register_id": register, "num": 1}, now)
    if answer.response is None:
        return CheckResult(
            JOURNALS,
            Verdict.FAIL,
            f"GET {_path(url)} failed: {shorten(answer.error or '', redact)}",
            "check SITOO_JOURNALS_URL and the network path to it",
        )
    if answer.response.status_code != 200:
        result = explain_status(answer.response, settings, redact, api="Journals API")
        if answer.response.status_code == 401:
            return CheckResult(
                JOURNALS,
                Verdict.FAIL,
                result.message + " (the v2 API accepted the same credentials)",
                "check SITOO_JOURNALS_URL is the Journals v3 address for the account's region "
                f"and that Journals v3 is enabled for the account; {_IP_ALLOW_LIST}",
            )
        return result
    return CheckResult(
        JOURNALS, Verdict.OK, f"Journals v3 at {settings.journals_url} accepted the API user"
    )


def check_clock(sample: ClockSample | None, why_not: str = "the API did not answer") -> CheckResult:
    """Compare the server's Date header with this machine's UTC time.

    The extract's cursors are Sitoo's own timestamps (less a 15-minute overlap), so the
    extract itself tolerates skew; but this machine's clock stamps the run log and the
    `_extracted_at` lineage, and freshness (the Data health page, the last-run check) is the
    difference between the two — a skewed clock makes data look fresher or staler than it is.
    """
    if sample is None:
        return skipped(CLOCK, why_not)
    if sample.server is None:
        return CheckResult(
            CLOCK,
            Verdict.WARN,
            "the API answered without a Date header; cannot compare clocks",
            "check this machine's clock with `timedatectl status` (NTP synchronised: yes)",
        )
    skew = (sample.server - sample.local).total_seconds()
    size = abs(skew)
    direction = "behind" if skew > 0 else "ahead of"
    told = f"this machine's clock is {_duration(size)} {direction} the API server's"
    fix = (
        "enable time synchronisation (`timedatectl set-ntp true`, or chrony/ntpd); the "
        "extract's cursors use Sitoo's times, but the run log and freshness use this clock"
    )
    if size <= max(CLOCK_WARN_SECONDS, DATE_RESOLUTION_SECONDS):
        return CheckResult(CLOCK, Verdict.OK, f"within {_duration(size)} of the API server")
    if size <= CLOCK_FAIL_SECONDS:
        return CheckResult(
            CLOCK, Verdict.WARN, f"{told} (warn above {CLOCK_WARN_SECONDS:g} s)", fix
        )
    return CheckResult(CLOCK, Verdict.FAIL, f"{told} (fail above {CLOCK_FAIL_SECONDS:g} s)", fix)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    delta = timedelta(seconds=round(seconds))
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
