"""TokenSession: a requests-style session for scripts that call a protected API."""

import threading
from collections.abc import Callable
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Auth
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.requests_client import OAuthError
from authlib.oauth2.rfc6749 import OAuth2Token

from .errors import IdpMisconfigured
from .errors import IdpUnavailable
from .errors import TokenError

SCOPE = "public-api"
DEFAULT_TIMEOUT = (3.05, 10.0)


class TokenSession:
    """Get tokens with the password grant and keep them fresh; thread-safe.

    The access token is refreshed ``leeway`` seconds before it expires. idp rotates
    refresh tokens (RFC 9700 §4.14.2): each refresh returns a new one and the old one
    stops working, so the session keeps the new one, and a lock makes sure two threads
    never refresh with the same token (the second would be a reuse, which revokes).
    If a refresh fails with ``invalid_grant`` the session logs in again when it holds a
    password, and raises TokenError otherwise.

    Built on Authlib's OAuth2Session; its own refresh-on-request is bypassed because it
    takes no lock.
    """

    def __init__(
        self,
        idp_url: str,
        client_id: str,
        client_secret: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: dict[str, Any] | None = None,
        leeway: int = 60,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.token_endpoint = idp_url.rstrip("/") + "/oauth/token"
        self.username = username
        self._password = password
        self._lock = threading.Lock()
        self._oauth = OAuth2Session(
            client_id,
            client_secret,
            token_endpoint_auth_method="client_secret_basic",
            scope=SCOPE,
            token=token,
            leeway=leeway,
            default_timeout=timeout,
        )

    @property
    def token(self) -> dict[str, Any] | None:
        """A copy of the current token response, to save between runs."""
        with self._lock:
            return dict(self._oauth.token) if self._oauth.token else None

    def login(self) -> None:
        """Get a new token with the password grant (RFC 6749 §4.3)."""
        with self._lock:
            self._login()

    def access_token(self) -> str:
        """Return an access token valid for at least ``leeway`` seconds."""
        with self._lock:
            token: OAuth2Token | None = self._oauth.token
            if not token:
                self._login()
            elif token.is_expired(leeway=self._oauth.leeway):
                self._refresh()
            return self._oauth.token["access_token"]

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send a request with a fresh bearer token, like ``requests.request``."""
        bearer = OAuth2Auth(
            {"access_token": self.access_token(), "token_type": "bearer"}
        )
        return self._oauth.request(method, url, auth=bearer, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """GET with a fresh bearer token."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        """POST with a fresh bearer token."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        """PUT with a fresh bearer token."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        """PATCH with a fresh bearer token."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        """DELETE with a fresh bearer token."""
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        """Close the pooled connections."""
        self._oauth.close()

    def __enter__(self) -> "TokenSession":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _login(self) -> None:
        """Password grant; the caller holds the lock."""
        if not self.username or not self._password:
            raise TokenError(
                "login_required", "this session holds no username and password"
            )
        self._call_token_endpoint(
            self._oauth.fetch_token,
            self.token_endpoint,
            grant_type="password",
            username=self.username,
            password=self._password,
        )

    def _refresh(self) -> None:
        """Refresh grant (RFC 6749 §6), or log in again; the caller holds the lock."""
        refresh_token = self._oauth.token.get("refresh_token")
        if not refresh_token:
            self._login()
            return
        try:
            self._call_token_endpoint(
                self._oauth.refresh_token,
                self.token_endpoint,
                refresh_token=refresh_token,
            )
        except TokenError as exc:
            if exc.error != "invalid_grant" or not self._password:
                raise
            # Expired, revoked, or its family was revoked after a reuse elsewhere.
            self._login()

    def _call_token_endpoint(
        self, call: Callable[..., object], url: str, **params: Any
    ) -> None:
        """Run an Authlib token call and translate its failures into ours."""
        try:
            call(url, **params)
        except OAuthError as exc:
            if exc.error == "invalid_client":
                raise IdpMisconfigured(
                    f"idp refused this client at {url}: check its ID and secret"
                ) from exc
            raise TokenError(exc.error, exc.description) from exc
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if 400 <= status < 500 and status not in (408, 429):
                raise IdpMisconfigured(
                    f"idp answered {status} at {url}: check the idp URL"
                ) from exc
            raise IdpUnavailable(f"idp answered {status} at {url}") from exc
        except requests.RequestException as exc:
            raise IdpUnavailable(f"no usable answer from {url}: {exc}") from exc
        except ValueError as exc:
            raise IdpUnavailable(f"idp answered {url} without a JSON object") from exc
