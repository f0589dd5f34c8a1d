"""One HTTP POST of a webhook, to an address vetted beforehand.

The connection goes to the address :func:`idp.webhooks.ssrf.vet` returned, not to
whatever the host name resolves to a moment later; the host name still names
the server in ``Host``, in TLS SNI and in the certificate check. Redirects are
not followed, proxies from the environment are not used, and only the first KiB
of the answer is read.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
from requests.adapters import HTTPAdapter

from idp.webhooks.schedule import parse_retry_after

BODY_KEPT = 1024


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status and the start of the body, or an error."""

    duration_ms: int
    status_code: int | None = None
    body: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedAdapter(HTTPAdapter):
    """Connects wherever the URL says (an address) but checks TLS for ``hostname``."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(
        self,
        connections: int,
        maxsize: int,
        block: bool = False,
        **pool_kwargs: Any,
    ) -> None:
        # Both are TLS-only keywords; urllib3 drops them for plain http.
        pool_kwargs["server_hostname"] = self._hostname
        pool_kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def post(
    url: str,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    headers: dict[str, str],
    body: bytes,
    timeout: float,
) -> Outcome:
    """POST ``body`` to ``url`` through ``address``; never raises for network trouble."""
    parts = urlsplit(url)
    hostname = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    literal = f"[{address}]" if address.version == 6 else str(address)
    pinned = urlunsplit(
        (parts.scheme, literal + port, parts.path or "/", parts.query, "")
    )
    started = time.monotonic()
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc from the environment
        session.mount("http://", _PinnedAdapter(hostname))
        session.mount("https://", _PinnedAdapter(hostname))
        try:
            response = session.post(
                pinned,
                data=body,
                headers={**headers, "Host": _host_header(hostname) + port},
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            with response:
                kept = response.raw.read(BODY_KEPT, decode_content=True) or b""
        except requests.Timeout:
            return _failed(started, f"No answer within {timeout:g} s.")
        except requests.exceptions.SSLError:
            return _failed(
                started, f"TLS with {hostname} failed (certificate or handshake)."
            )
        except (requests.RequestException, OSError) as error:
            return _failed(
                started, f"Could not connect to {literal}{port}: {_reason(error)}"
            )
    return Outcome(
        duration_ms=_elapsed_ms(started),
        status_code=response.status_code,
        body=kept.decode("utf-8", errors="replace"),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _host_header(hostname: str) -> str:
    if ":" in hostname:
        return f"[{hostname}]"  # an IPv6 literal
    try:
        return hostname.encode("idna").decode("ascii")
    except UnicodeError:
        return hostname


def _reason(error: BaseException) -> str:
    """The root cause in a few words, naming no header or body."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, ConnectionResetError):
            return "connection reset"
        if isinstance(error, socket.gaierror):
            return "the name does not resolve"
        inner = getattr(error, "reason", None)
        if not isinstance(inner, BaseException):
            inner = error.args[0] if error.args else None
        if not isinstance(inner, BaseException):
            inner = error.__cause__ or error.__context__
        error = inner
    return type(seen[-1]).__name__


def _failed(started: float, error: str) -> Outcome:
    return Outcome(duration_ms=_elapsed_ms(started), error=error[:500])


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
