"""Rules for webhook endpoints: where events go, with which headers and secret.

Only services commit. Every function takes the acting operator (None for the
`idp` command) and asks idp.accounts.permissions whether it may.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from sqlalchemy import select

from idp.accounts.models import Operator
from idp.accounts.permissions import require_manage_webhooks
from idp.audit.log import record
from idp.created import Created
from idp.database import Listing
from idp.errors import InvalidInput
from idp.errors import found
from idp.events import crypto
from idp.events import outbox
from idp.events.models import WebhookEndpoint
from idp.extensions import db
from idp.webhooks import ssrf

#: Names idp sets itself, or that would break the request if a header set them.
RESERVED_HEADERS = {
    "authorization",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "host",
}
#: An HTTP field name (RFC 9110 §5.1: a token).
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
MAX_URL = 2000
MAX_HEADER_VALUE = 4000
MAX_HEADERS = 20


def new_signing_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def get_endpoint(actor: Operator | None, webhook_id: int) -> WebhookEndpoint:
    require_manage_webhooks(actor)
    return found(
        db.session.get(WebhookEndpoint, webhook_id), f"No webhook {webhook_id}."
    )


def list_endpoints(actor: Operator | None) -> Listing:
    require_manage_webhooks(actor)
    return Listing(select(WebhookEndpoint).order_by(WebhookEndpoint.id))


def create_endpoint(
    actor: Operator | None,
    *,
    url: str,
    events: list[str],
    description: str = "",
    basic_auth: dict | None = None,
    headers: list[dict] = (),
    enabled: bool = True,
) -> Created:
    """A new endpoint and its signing secret in clear, to be shown once."""
    require_manage_webhooks(actor)
    secret = new_signing_secret()
    endpoint = WebhookEndpoint(
        url=_check_url(url),
        events=_check_events(events),
        description=description,
        enabled=enabled,
        disabled_reason=None if enabled else "Disabled by the owner.",
        headers=_headers(headers, []),
        secret_encrypted=crypto.encrypt(secret),
    )
    _set_basic_auth(endpoint, basic_auth)
    db.session.add(endpoint)
    db.session.flush()  # its id names it in the audit log
    record("webhook.created", f"webhook:{endpoint.id}", after=endpoint_data(endpoint))
    db.session.commit()
    return Created(endpoint, secret)


_UNSET: Any = object()


def update_endpoint(
    actor: Operator | None,
    endpoint: WebhookEndpoint,
    *,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    basic_auth: dict | None = _UNSET,
    headers: list[dict] | None = None,
) -> WebhookEndpoint:
    """Change what is given. A masked header sent without a value keeps its value;
    ``basic_auth`` None removes it, and without a password keeps the password."""
    require_manage_webhooks(actor)
    before = endpoint_data(endpoint)
    if url is not None and url != endpoint.url:
        endpoint.url = _check_url(url)
    if events is not None:
        endpoint.events = _check_events(events)
    if description is not None:
        endpoint.description = description
    if headers is not None:
        endpoint.headers = _headers(headers, endpoint.headers)
    if basic_auth is not _UNSET:
        _set_basic_auth(endpoint, basic_auth)
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        endpoint.disabled_reason = None if enabled else "Disabled by the owner."
        endpoint.failing_since = None
    record(
        "webhook.updated",
        f"webhook:{endpoint.id}",
        before=before,
        after=endpoint_data(endpoint),
    )
    db.session.commit()
    return endpoint


def delete_endpoint(actor: Operator | None, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its deliveries and their attempts."""
    require_manage_webhooks(actor)
    record("webhook.deleted", f"webhook:{endpoint.id}", before=endpoint_data(endpoint))
    db.session.delete(endpoint)
    db.session.commit()


def endpoint_data(endpoint: WebhookEndpoint) -> dict:
    """An endpoint for the audit log: header names only, never a value or secret."""
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "enabled": endpoint.enabled is not False,
        "headers": [header["name"] for header in endpoint.headers or []],
        "basic_auth": endpoint.basic_username is not None,
    }


def public_headers(endpoint: WebhookEndpoint) -> list[dict]:
    """The headers as shown: a masked value never, others in clear."""
    return [
        {
            "name": header["name"],
            "value": None
            if header["masked"]
            else crypto.decrypt(header["value_encrypted"]),
            "masked": header["masked"],
        }
        for header in endpoint.headers
    ]


def public_basic_auth(endpoint: WebhookEndpoint) -> dict | None:
    if endpoint.basic_username is None:
        return None
    return {
        "username": endpoint.basic_username,
        "password_set": endpoint.basic_password_encrypted is not None,
    }


def _check_url(url: str) -> str:
    url = url.strip()
    if len(url) > MAX_URL:
        raise InvalidInput(f"The URL has at most {MAX_URL} characters.", field="url")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise InvalidInput("The URL holds a space or a control character.", "url")
    ssrf.vet(url)
    return url


def _check_events(events: list[str]) -> list[str]:
    if not events:
        raise InvalidInput("Subscribe to at least one event type, or '*'.", "events")
    unique = list(dict.fromkeys(events))
    for name in unique:
        if name != "*" and not outbox.is_known(name):
            raise InvalidInput(f"Unknown event type {name!r}.", field="events")
    return ["*"] if "*" in unique else unique


def _headers(wanted: list[dict], stored: list[dict]) -> list[dict]:
    """The stored form of ``wanted``, every value encrypted.

    A masked header without a value keeps the value stored under its name.
    """
    if len(wanted) > MAX_HEADERS:
        raise InvalidInput(f"At most {MAX_HEADERS} headers.", field="headers")
    kept = {h["name"].lower(): h for h in stored if h["masked"]}
    result: list[dict] = []
    for header in wanted:
        name = str(header.get("name") or "").strip()
        value = header.get("value")
        masked = bool(header.get("masked", False))
        if not _HEADER_NAME.fullmatch(name):
            raise InvalidInput(f"{name!r} is not a header name.", field="headers")
        lowered = name.lower()
        if lowered in RESERVED_HEADERS or lowered.startswith("webhook-"):
            raise InvalidInput(f"The header {name} is set by idp.", field="headers")
        if any(h["name"].lower() == lowered for h in result):
            raise InvalidInput(f"The header {name} is given twice.", field="headers")
        if value is None and masked and lowered in kept:
            result.append({**kept[lowered], "name": name})
            continue
        if value is None or (masked and not value):
            raise InvalidInput(f"The header {name} needs a value.", field="headers")
        if len(value) > MAX_HEADER_VALUE or any(c in value for c in "\r\n\x00"):
            raise InvalidInput(
                f"The value of {name} is too long or holds a line break.",
                field="headers",
            )
        result.append(
            {"name": name, "masked": masked, "value_encrypted": crypto.encrypt(value)}
        )
    return result


def _set_basic_auth(endpoint: WebhookEndpoint, basic_auth: dict | None) -> None:
    if basic_auth is None:
        endpoint.basic_username = endpoint.basic_password_encrypted = None
        return
    username = str(basic_auth.get("username") or "")
    password = basic_auth.get("password")
    if not username or ":" in username or not username.isprintable():
        raise InvalidInput(
            "The Basic username is empty or holds ':' or a control character.",
            field="basic_auth",
        )
    if password is None and endpoint.basic_password_encrypted is None:
        raise InvalidInput("The Basic password is missing.", field="basic_auth")
    if password is not None and (not password or not password.isprintable()):
        raise InvalidInput(
            "The Basic password is empty or holds a control character.",
            field="basic_auth",
        )
    endpoint.basic_username = username
    if password is not None:
        endpoint.basic_password_encrypted = crypto.encrypt(password)
