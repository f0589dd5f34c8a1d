"""Asking idp about a credential: RFC 7662 token introspection.

Answers are never cached. Every introspection of an active credential counts one
request against the operator's rate limit, and a revoked credential must stop working
at once; a cache would break both promises.
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from http.cookiejar import DefaultCookiePolicy
from types import MappingProxyType
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .errors import IdpMisconfigured
from .errors import IdpUnavailable

# (connect, read) in seconds. A slow idp must not hold every worker of the API.
DEFAULT_TIMEOUT = (1.0, 2.0)
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
NO_ACCESS = "none"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The operator's rate-limit window after this request; ``reset`` is unix time."""

    limit: int
    remaining: int
    reset: int
    exceeded: bool = False


@dataclass(frozen=True, slots=True)
class Permissions:
    """The operator's rights and per-module levels (``none``, ``own`` or ``all``)."""

    api_access: bool = False
    manage_users: bool = False
    manage_clients: bool = False
    modules: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def level(self, module: str, action: str) -> str:
        """Return the level for ``action`` on ``module``; an absent one is ``none``."""
        return self.modules.get(module, {}).get(action, NO_ACCESS)


@dataclass(frozen=True, slots=True)
class Introspection:
    """What idp said about one credential; inactive answers carry nothing else.

    ``headers`` holds the ``RateLimit-*`` headers to pass through to the caller, and
    ``retry_after`` the seconds to wait once the limit is exceeded.
    """

    active: bool
    credential: str | None = None
    token_type: str | None = None
    sub: str | None = None
    username: str | None = None
    client_id: str | None = None
    scope: str | None = None
    iss: str | None = None
    exp: int | None = None
    iat: int | None = None
    permissions: Permissions = field(default_factory=Permissions)
    rate_limit: RateLimit | None = None
    headers: tuple[tuple[str, str], ...] = ()
    retry_after: int | None = None

    @property
    def rate_limited(self) -> bool:
        """True when the operator is over its limit; the credential stays active."""
        return self.rate_limit is not None and self.rate_limit.exceeded


class Introspector:
    """Client of ``POST {idp_url}/oauth/introspect``, shared by every request.

    It authenticates with the resource server's own client ID and secret (HTTP Basic)
    and keeps connections to idp open in a pool. ``introspect`` raises IdpUnavailable or
    IdpMisconfigured when idp gives no usable answer: it never returns a result that
    would let an unchecked request through.
    """

    def __init__(
        self,
        idp_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        pool_maxsize: int = 10,
    ) -> None:
        self.endpoint = idp_url.rstrip("/") + "/oauth/introspect"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (client_id, client_secret)
        self.session.headers["Accept"] = "application/json"
        # Cookies from idp would be shared by every caller of this API: refuse them.
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        # No retries: a retried POST could count twice against the rate limit, and
        # retries would stretch the time bound that `timeout` promises.
        adapter = HTTPAdapter(pool_maxsize=pool_maxsize, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def introspect(
        self, token: str, token_type_hint: str | None = None
    ) -> Introspection:
        """Return idp's answer about ``token`` (RFC 7662 §2.1)."""
        form = {"token": token}
        if token_type_hint:
            form["token_type_hint"] = token_type_hint
        try:
            response = self.session.post(
                self.endpoint, data=form, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout as exc:
            raise IdpUnavailable(
                f"idp did not answer within {self.timeout}s at {self.endpoint}"
            ) from exc
        except requests.RequestException as exc:
            raise IdpUnavailable(f"idp unreachable at {self.endpoint}: {exc}") from exc
        with response:
            return _read_answer(response, self.endpoint)

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> "Introspector":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _read_answer(response: requests.Response, endpoint: str) -> Introspection:
    """Turn idp's HTTP answer into an Introspection, or raise why it is unusable."""
    status = response.status_code
    if status == 200:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise IdpUnavailable(
                f"idp answered 200 without a JSON object at {endpoint}"
            )
        return _parse(data, response.headers)
    error = _error_code(response)
    if 300 <= status < 400:
        raise IdpMisconfigured(
            f"idp redirects {endpoint} to {response.headers.get('Location')}: "
            "set the idp URL to the final address"
        )
    if 400 <= status < 500 and status not in (408, 429):
        raise IdpMisconfigured(
            f"idp refused this resource server's request with {status} {error} at "
            f"{endpoint}: check the idp URL, client ID, secret and introspect right"
        )
    raise IdpUnavailable(f"idp answered {status} {error} at {endpoint}")


def _error_code(response: requests.Response) -> str:
    """Return the RFC 6749 error code of an error answer, or an empty string."""
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _parse(data: dict[str, Any], headers: Mapping[str, str]) -> Introspection:
    """Build an Introspection from the JSON body and headers of a 200 answer."""
    # RFC 7662 §2.2: anything but a literal true is an inactive credential.
    if data.get("active") is not True:
        return Introspection(active=False)
    rate_limit = _rate_limit(data.get("rate_limit"))
    passed_headers = tuple(
        (name, headers[name]) for name in RATE_LIMIT_HEADERS if name in headers
    )
    retry_after = None
    if rate_limit is not None and rate_limit.exceeded:
        retry_after = _integer(headers.get("Retry-After"))
        if retry_after is None:
            retry_after = max(1, rate_limit.reset - int(time.time()))
    return Introspection(
        active=True,
        credential=_text(data.get("credential")),
        token_type=_text(data.get("token_type")),
        sub=_text(data.get("sub")),
        username=_text(data.get("username")),
        client_id=_text(data.get("client_id")),
        scope=_text(data.get("scope")),
        iss=_text(data.get("iss")),
        exp=_integer(data.get("exp")),
        iat=_integer(data.get("iat")),
        permissions=_permissions(data.get("permissions")),
        rate_limit=rate_limit,
        headers=passed_headers,
        retry_after=retry_after,
    )


def _permissions(data: object) -> Permissions:
    """Read the ``permissions`` member; anything malformed grants nothing."""
    if not isinstance(data, dict):
        return Permissions()
    modules = data.get("modules")
    if not isinstance(modules, dict):
        modules = {}
    return Permissions(
        api_access=data.get("api_access") is True,
        manage_users=data.get("manage_users") is True,
        manage_clients=data.get("manage_clients") is True,
        modules=MappingProxyType(
            {
                str(module): MappingProxyType(
                    {str(action): str(level) for action, level in actions.items()}
                )
                for module, actions in modules.items()
                if isinstance(actions, dict)
            }
        ),
    )


def _rate_limit(data: object) -> RateLimit | None:
    """Read the ``rate_limit`` member, or None when idp sent none."""
    if not isinstance(data, dict):
        return None
    return RateLimit(
        limit=_integer(data.get("limit")) or 0,
        remaining=_integer(data.get("remaining")) or 0,
        reset=_integer(data.get("reset")) or 0,
        exceeded=data.get("exceeded") is True,
    )


def _text(value: object) -> str | None:
    """Return a JSON string or number as text (``sub`` may come as either)."""
    if value is None or isinstance(value, bool):
        return None
    return str(value)


def _integer(value: object) -> int | None:
    """Return an integer from JSON or a header, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return int(value)
    except (ValueError, OverflowError):
        return None
