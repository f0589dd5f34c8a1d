"""Which addresses a webhook may reach: global ones, or allowlisted networks."""

from __future__ import annotations

import ipaddress

import pytest

from idp.webhooks.ssrf import RefusedUrl
from idp.webhooks.ssrf import parse_networks
from idp.webhooks.ssrf import vet

LOOPBACK = parse_networks("127.0.0.1/32")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",
        "64:ff9b::a00:1",
        "ff02::1",
    ],
)
def test_a_host_resolving_to_a_non_global_address_is_refused(dns, address):
    dns["hooks.example.com"] = ["93.184.216.34", address]
    with pytest.raises(RefusedUrl) as refused:
        vet("https://hooks.example.com/in", allowed=[])
    assert refused.value.field == "url"
    assert "not globally routable" in str(refused.value)


def test_a_global_address_over_https_is_vetted(dns):
    dns["hooks.example.com"] = ["93.184.216.34", "2606:2800:220:1::1"]
    assert vet("https://hooks.example.com/in", allowed=[]) == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:2800:220:1::1"),
    ]


def test_plain_http_is_refused_outside_allowed_networks(dns):
    dns["hooks.example.com"] = ["93.184.216.34"]
    with pytest.raises(RefusedUrl, match="https"):
        vet("http://hooks.example.com/in", allowed=LOOPBACK)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/in", "http://[::ffff:127.0.0.1]/in"]
)
def test_an_allowed_network_may_be_reached_over_http(dns, url):
    assert vet(url, allowed=LOOPBACK)


def test_a_name_rebound_to_loopback_is_refused_unless_allowed(dns):
    dns["rebind.example.com"] = ["127.0.0.1"]
    with pytest.raises(RefusedUrl):
        vet("https://rebind.example.com/", allowed=[])
    assert vet("https://rebind.example.com/", allowed=LOOPBACK)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/", "file:///etc/passwd", "https:///nohost", "example.com"],
)
def test_only_http_urls_with_a_host(dns, url):
    with pytest.raises(RefusedUrl, match="http or https"):
        vet(url, allowed=[])


def test_an_unresolvable_host_is_refused(dns):
    with pytest.raises(RefusedUrl, match="cannot be resolved"):
        vet("https://nowhere.invalid/", allowed=[])


def test_a_bad_port_is_refused(dns):
    with pytest.raises(RefusedUrl, match="port"):
        vet("https://example.com:99999/", allowed=[])
