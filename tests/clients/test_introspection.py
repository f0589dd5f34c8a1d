"""Introspector: RFC 7662 over real HTTP, and its failure modes."""

import time

import pytest

from idp_client import IdpMisconfigured
from idp_client import IdpUnavailable
from idp_client import Introspection
from idp_client import Introspector
from idp_client import RateLimit

from .fake_idp import RESOURCE_SERVER
from .fake_idp import TIMEOUT
from .fake_idp import FakeIdp
from .fake_idp import FakeIdpServer


def test_active_answer_becomes_a_frozen_introspection(
    fake_idp: FakeIdp, introspector: Introspector
) -> None:
    """RFC 7662 §2.2: every member idp sends is read, and RateLimit headers kept."""
    fake_idp.add_credential("at-1", modules={"tickets": {"edit": "own"}})

    answer = introspector.introspect("at-1")

    assert answer.active
    assert (answer.credential, answer.username, answer.sub, answer.client_id) == (
        "oauth_access_token",
        "alice",
        "42",
        "reports-script",
    )
    assert answer.scope == "public-api"
    assert answer.permissions.api_access
    assert answer.permissions.level("tickets", "edit") == "own"
    assert answer.permissions.level("tickets", "delete") == "none"
    assert answer.permissions.level("companies", "add") == "none"
    assert answer.rate_limit == RateLimit(
        limit=30, remaining=29, reset=answer.rate_limit.reset, exceeded=False
    )
    assert dict(answer.headers) == {
        "RateLimit-Limit": "30",
        "RateLimit-Remaining": "29",
        "RateLimit-Reset": dict(answer.headers)["RateLimit-Reset"],
    }
    assert 58 <= int(dict(answer.headers)["RateLimit-Reset"]) <= 60
    assert answer.retry_after is None
    with pytest.raises(AttributeError):
        answer.active = False  # type: ignore[misc]


def test_unknown_credential_is_inactive(introspector: Introspector) -> None:
    """RFC 7662 §2.2: ``{"active": false}`` carries nothing else."""
    assert introspector.introspect("never-issued") == Introspection(active=False)


def test_exceeded_limit_keeps_the_credential_active_with_retry_after(
    fake_idp: FakeIdp, introspector: Introspector
) -> None:
    """Over the limit the credential is still active; Retry-After comes from idp."""
    fake_idp.add_credential("at-1", exceeded=True)

    answer = introspector.introspect("at-1")

    assert answer.active and answer.rate_limited
    assert 58 <= answer.retry_after <= 60


def test_every_call_reaches_idp(fake_idp: FakeIdp, introspector: Introspector) -> None:
    """No caching: each call counts against the rate limit and sees revocation."""
    fake_idp.add_credential("at-1")

    assert introspector.introspect("at-1").active
    del fake_idp.credentials["at-1"]
    assert not introspector.introspect("at-1", token_type_hint="access_token").active

    assert fake_idp.introspected == [
        {"token": "at-1"},
        {"token": "at-1", "token_type_hint": "access_token"},
    ]


def test_rejected_client_authentication_raises_misconfigured(fake_idp: FakeIdp) -> None:
    """A 401 ``invalid_client`` on our own credentials is never an inactive answer."""
    with Introspector(
        fake_idp.url, RESOURCE_SERVER[0], "wrong", timeout=TIMEOUT
    ) as bad:
        with pytest.raises(IdpMisconfigured, match="401 invalid_client"):
            bad.introspect("at-1")


def test_wrong_idp_url_raises_misconfigured(fake_idp: FakeIdp) -> None:
    """A 404 means the URL points elsewhere; retrying will not help."""
    with Introspector(fake_idp.url + "/nope", *RESOURCE_SERVER, timeout=TIMEOUT) as bad:
        with pytest.raises(IdpMisconfigured, match="404"):
            bad.introspect("at-1")


def test_server_error_raises_unavailable(introspector: Introspector) -> None:
    """A 5xx answer (a proxy in front of a dead idp) is no answer."""
    with pytest.raises(IdpUnavailable, match="502"):
        introspector.introspect("crash")


def test_closed_port_raises_unavailable_at_once(
    fake_idp_server: FakeIdpServer, introspector: Introspector
) -> None:
    """A stopped idp refuses connections: fail at once, not after the timeout."""
    fake_idp_server.stop()
    started = time.monotonic()

    with pytest.raises(IdpUnavailable, match="unreachable"):
        introspector.introspect("at-1")

    assert time.monotonic() - started < 0.5


def test_slow_idp_raises_unavailable_within_the_timeout(
    introspector: Introspector,
) -> None:
    """The read timeout bounds how long a hung idp holds the request."""
    started = time.monotonic()

    with pytest.raises(IdpUnavailable, match="did not answer"):
        introspector.introspect("slow")

    assert time.monotonic() - started < TIMEOUT[1] + 0.5
