"""Server-side request forgery: which addresses a webhook may be sent to.

A webhook URL names a host the owner chose; resolved, it must lead only to
globally routable addresses, or to networks the operator allowed
(``IDP_WEBHOOK_ALLOWED_NETWORKS``). Checked when an endpoint is saved and again
before every delivery, which then connects to the vetted address so that a DNS
answer changing in between (rebinding) changes nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app

from idp.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedUrl(InvalidInput):
    """The URL, or an address its host resolves to, may not receive webhooks."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


def parse_networks(value: str | list | tuple | None) -> list[IPNetwork]:
    """CIDRs from a list or a comma-separated string; ValueError naming a bad one."""
    if isinstance(value, str):
        value = value.split(",")
    networks = []
    for item in value or ():
        text = str(item).strip()
        if text:
            networks.append(ipaddress.ip_network(text, strict=False))
    return networks


def vet(url: str, allowed: list[IPNetwork] | None = None) -> list[IPAddress]:
    """The addresses ``url``'s host resolves to, all fit to receive; else RefusedUrl.

    ``allowed`` defaults to the app's IDP_WEBHOOK_ALLOWED_NETWORKS. ``https`` is
    required unless every address is in an allowed network.
    """
    if allowed is None:
        allowed = parse_networks(current_app.config["WEBHOOK_ALLOWED_NETWORKS"])
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedUrl("The URL must be an http or https URL with a host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedUrl("The URL's port is not a number from 0 to 65535.") from None
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise RefusedUrl(f"The host {parts.hostname} has no address.")
    for address in addresses:
        if not _is_allowed(address, allowed) and not _is_global(address):
            raise RefusedUrl(
                f"The host {parts.hostname} resolves to {address}, which is not "
                "globally routable; allow its network in IDP_WEBHOOK_ALLOWED_NETWORKS."
            )
    if parts.scheme != "https" and not all(_is_allowed(a, allowed) for a in addresses):
        raise RefusedUrl("The URL must use https.")
    return addresses


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of ``host`` (a name or a literal), without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedUrl(f"The host {host} cannot be resolved.") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_global(address: IPAddress) -> bool:
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return _is_global(embedded)
    return address.is_global and not address.is_multicast


def _is_allowed(address: IPAddress, allowed: list[IPNetwork]) -> bool:
    candidates = [address]
    if (embedded := _embedded_ipv4(address)) is not None:
        candidates.append(embedded)
    return any(
        candidate.version == network.version and candidate in network
        for candidate in candidates
        for network in allowed
    )
