"""Reading the Authorization header: RFC 6750 §2.1 bearer, RFC 7617 basic."""

import base64

import pytest

from idp_client.credentials import Credential
from idp_client.credentials import MalformedCredential
from idp_client.credentials import read_credential


def basic(pair: str) -> str:
    """An RFC 7617 Basic header value for ``pair``."""
    return "Basic " + base64.b64encode(pair.encode()).decode()


@pytest.mark.parametrize("header", [None, "", "   "])
def test_absent_header_is_no_credential(header: str | None) -> None:
    """RFC 6750 §3.1: a request without credential is told so without an error code."""
    assert read_credential(header) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer at_abc.DEF-123~+/=", Credential("bearer", "at_abc.DEF-123~+/=")),
        ("bearer  at_abc", Credential("bearer", "at_abc")),
        (basic("apiacct_x:s3cret"), Credential("basic", "apiacct_x:s3cret")),
        (basic("key:pass:with:colons"), Credential("basic", "key:pass:with:colons")),
        (basic("jörg:pässwörd"), Credential("basic", "jörg:pässwörd")),
    ],
)
def test_credential_is_read_from_bearer_and_basic(
    header: str, expected: Credential
) -> None:
    """Bearer tokens pass as sent; Basic pairs are decoded to ``user:pass``."""
    assert read_credential(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer two tokens",
        "Bearer to\u00efken",
        "Bearer " + "a" * 5000,
        "Basic not-base64!",
        basic("no-colon"),
        basic(":password-only"),
        basic("user-only:"),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        # RFC 7617 §2: no control characters in the user-id or the password.
        basic("us\x00er:password"),
        basic("user:pass\nword"),
        "Digest username=alice",
    ],
)
def test_malformed_header_is_refused(header: str) -> None:
    """Anything else is malformed and never reaches introspection."""
    with pytest.raises(MalformedCredential):
        read_credential(header)


def test_log_prefix_never_shows_a_password() -> None:
    """Only the user part of a Basic pair, cut to 8 characters, is safe to log."""
    assert Credential("basic", "bo:secretpassword").prefix == "bo"
    assert Credential("bearer", "at_0123456789abcdef").prefix == "at_01234"
    assert "secret" not in repr(Credential("basic", "bo:secretpassword"))
