"""Exceptions raised by idp_client.

A resource server must never mistake "idp could not answer" for "the credential is
fine", so every failure to get a usable answer is an exception, never a result.
"""


class IdpError(Exception):
    """Base class: idp gave no usable answer, so nothing may be let through."""


class IdpUnavailable(IdpError):
    """idp is unreachable, too slow, or answered 5xx or garbage; retrying may help."""


class IdpMisconfigured(IdpError):
    """idp refused our own request (wrong URL, client ID or secret, missing right).

    Retrying will not help: the resource server's configuration must be fixed.
    """


class TokenError(IdpError):
    """The token endpoint refused a grant (RFC 6749 §5.2), e.g. a wrong password."""

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}" if description else error)
