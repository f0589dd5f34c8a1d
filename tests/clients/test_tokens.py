"""TokenSession: password grant, refresh with rotation, recovery, threads."""

import threading
import time
from collections.abc import Iterator

import pytest

from idp_client import IdpMisconfigured
from idp_client import IdpUnavailable
from idp_client import TokenError
from idp_client import TokenSession

from .fake_idp import SCRIPT_CLIENT
from .fake_idp import TIMEOUT
from .fake_idp import FakeIdp
from .fake_idp import FakeIdpServer


@pytest.fixture
def token_session(fake_idp: FakeIdp) -> Iterator[TokenSession]:
    """A session for alice through the reports script's client."""
    with TokenSession(
        fake_idp.url,
        *SCRIPT_CLIENT,
        username="alice",
        password="wonderland",
        timeout=TIMEOUT,
    ) as token_session:
        yield token_session


def test_first_request_logs_in_and_sends_the_bearer_token(
    fake_idp: FakeIdp, token_session: TokenSession
) -> None:
    """RFC 6749 §4.3 then RFC 6750 §2.1: the token goes in the Authorization header."""
    response = token_session.get(fake_idp.url + "/api/echo")

    assert response.json() == {"authorization": "Bearer at-1"}
    assert fake_idp.logins == 1
    assert token_session.token["refresh_token"] == "rt-1"


def test_token_far_from_expiry_is_reused(
    fake_idp: FakeIdp, token_session: TokenSession
) -> None:
    """No token request while the access token is valid beyond the leeway."""
    assert token_session.access_token() == token_session.access_token() == "at-1"
    assert (fake_idp.logins, fake_idp.refresh_calls) == (1, 0)


def test_refresh_before_expiry_keeps_the_rotated_refresh_token(
    fake_idp: FakeIdp, token_session: TokenSession
) -> None:
    """RFC 9700 §4.14.2: a refresh sends the newest refresh token, never an old one."""
    fake_idp.expires_in = 30  # inside the 60-second leeway: due for refresh at once

    tokens = [token_session.access_token() for _ in range(3)]

    assert tokens == ["at-1", "at-2", "at-3"]
    assert (fake_idp.logins, fake_idp.refresh_calls) == (1, 2)
    assert token_session.token["refresh_token"] == "rt-3"
    assert list(fake_idp.live_refresh_tokens) == ["rt-3"]


def test_invalid_grant_on_refresh_logs_in_again(
    fake_idp: FakeIdp, token_session: TokenSession
) -> None:
    """A revoked refresh token is replaced by a new login when a password is held."""
    fake_idp.expires_in = 30
    token_session.login()
    fake_idp.revoke_refresh_tokens()

    assert token_session.access_token() == "at-2"
    assert (fake_idp.logins, fake_idp.refresh_calls) == (2, 1)


def test_invalid_grant_without_password_raises(fake_idp: FakeIdp) -> None:
    """With only a saved token, a dead refresh token is the caller's to handle."""
    saved = {
        "access_token": "old",
        "token_type": "Bearer",
        "refresh_token": "rt-revoked",
        "expires_at": int(time.time()) - 1,
    }
    with TokenSession(fake_idp.url, *SCRIPT_CLIENT, token=saved) as session:
        with pytest.raises(TokenError) as raised:
            session.access_token()

    assert raised.value.error == "invalid_grant"
    assert fake_idp.logins == 0


def test_two_threads_refresh_only_once(
    fake_idp: FakeIdp, token_session: TokenSession
) -> None:
    """A lock keeps a second thread from reusing the refresh token just rotated."""
    fake_idp.expires_in = 30
    token_session.login()
    fake_idp.expires_in = 3600
    fake_idp.refresh_delay = 0.2
    start = threading.Barrier(2)
    tokens: list[str] = []

    def fetch() -> None:
        start.wait(timeout=5)
        tokens.append(token_session.access_token())

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    assert tokens == ["at-2", "at-2"]
    assert (fake_idp.logins, fake_idp.refresh_calls) == (1, 1)


def test_wrong_password_raises_invalid_grant(fake_idp: FakeIdp) -> None:
    """RFC 6749 §5.2: the token endpoint's error code reaches the script."""
    with TokenSession(
        fake_idp.url, *SCRIPT_CLIENT, username="alice", password="nope", timeout=TIMEOUT
    ) as session:
        with pytest.raises(TokenError, match="invalid_grant"):
            session.login()


def test_wrong_client_secret_raises_misconfigured(fake_idp: FakeIdp) -> None:
    """``invalid_client`` means the script's settings are wrong."""
    with TokenSession(
        fake_idp.url, SCRIPT_CLIENT[0], "wrong", username="alice", password="wonderland"
    ) as session:
        with pytest.raises(IdpMisconfigured):
            session.login()


def test_stopped_idp_raises_unavailable(fake_idp_server: FakeIdpServer) -> None:
    """No token endpoint: a clear exception, quickly."""
    fake_idp_server.stop()
    with TokenSession(
        fake_idp_server.idp.url,
        *SCRIPT_CLIENT,
        username="alice",
        password="wonderland",
        timeout=TIMEOUT,
    ) as session:
        with pytest.raises(IdpUnavailable):
            session.access_token()
