"""No issued secret, nor a 10-character piece of one, appears outside its digest.

A session under real gunicorn uses every kind of credential and makes both
mistakes clients make (a password typed as a username, a secret in a query
string); then the server's output (access and application logs), Redis (keys,
values and its MONITOR stream) and the `idp` command's listings are searched.
"""

from __future__ import annotations

import secrets
import socket
import threading

import redis
import requests

from .actions import TIMEOUT
from .deployment import PLAIN_PROFILE
from .deployment import REDIS_URL

PIECE = 10


class Monitor:
    """Redis's MONITOR stream, read on a thread until ``stop``."""

    def __init__(self) -> None:
        options = redis.Redis.from_url(REDIS_URL).connection_pool.connection_kwargs
        self.sock = socket.create_connection(
            (options.get("host", "127.0.0.1"), options.get("port", 6379)), timeout=0.2
        )
        self.sock.sendall(b"MONITOR\r\n")
        self.received = bytearray()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while self.running:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            self.received += chunk

    def stop(self) -> bytes:
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()
        return bytes(self.received)


def _pieces(secret: str) -> set[str]:
    """Every 10-character piece of the secret, past its kind prefix."""
    body = secret[secret.index("_", 4) + 1 :] if secret.startswith("idp_") else secret
    return {body[i : i + PIECE] for i in range(len(body) - PIECE + 1)}


def _leaks(text: str, found: dict[str, str]) -> list[str]:
    """Which of ``found`` appear in ``text``, whole or by a piece."""
    return [
        what
        for what, secret in found.items()
        if any(piece in text for piece in _pieces(secret))
    ]


def test_no_secret_anywhere_after_a_session_with_mistakes(
    idp_server, deployment, operator
):
    monitor = Monitor()
    url = idp_server.url
    script = deployment.script_client
    resource = deployment.resource_server
    found: dict[str, str] = {
        "script client secret": script.secret,
        "resource client secret": resource.secret,
        "operator password": operator.password,
    }
    login = requests.post(
        f"{url}/oauth/token",
        data={
            "grant_type": "password",
            "username": operator.username,
            "password": operator.password,
        },
        auth=(script.client_id, script.secret),
        timeout=TIMEOUT,
    ).json()
    found["access token"] = login["access_token"]
    found["refresh token"] = login["refresh_token"]
    refreshed = requests.post(
        f"{url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": login["refresh_token"]},
        auth=(script.client_id, script.secret),
        timeout=TIMEOUT,
    ).json()
    found["rotated refresh token"] = refreshed["refresh_token"]
    pat = deployment.idp("pat", "create", operator.username, "--name", "ci")["token"]
    found["personal access token"] = pat
    account = requests.post(
        f"{url}/register", auth=(operator.username, operator.password), timeout=TIMEOUT
    ).json()
    found["API account password"] = account["password"]
    member = f"bot-{secrets.token_hex(4)}"
    deployment.idp(
        "operator", "create", member, "--profile", PLAIN_PROFILE, "--kind", "api_member"
    )
    key = deployment.idp("api-key", "create", member, "--description", "billing")
    found["API private key"] = key["private_key"]
    chosen = secrets.token_urlsafe(24)
    found["chosen client secret"] = chosen
    deployment.idp(
        "client",
        "create",
        f"c-{secrets.token_hex(3)}",
        "--secret-stdin",
        stdin=chosen + "\n",
    )
    for token in (
        refreshed["access_token"],
        pat,
        f"{account['username']}:{account['password']}",
        f"{key['public_key']}:{key['private_key']}",
    ):
        answer = requests.post(
            f"{url}/oauth/introspect",
            data={"token": token},
            auth=(resource.client_id, resource.secret),
            timeout=TIMEOUT,
        )
        assert answer.json()["active"] is True, answer.text
    # Mistake 1: the password typed into the username field.
    mistaken = requests.post(
        f"{url}/oauth/token",
        data={
            "grant_type": "password",
            "username": operator.password,
            "password": operator.username,
        },
        auth=(script.client_id, script.secret),
        timeout=TIMEOUT,
    )
    assert mistaken.status_code == 400
    # Mistake 2: secrets in a query string, on a known and an unknown path.
    requests.post(
        f"{url}/oauth/introspect?token={pat}&client_secret={resource.secret}",
        auth=(resource.client_id, resource.secret),
        timeout=TIMEOUT,
    )
    requests.get(f"{url}/nowhere?password={operator.password}", timeout=TIMEOUT)
    requests.get(f"{url}/healthz?access_token={login['access_token']}", timeout=TIMEOUT)
    stream = monitor.stop().decode(errors="replace")

    assert "introspect" in stream or "ratelimit" in stream, stream[:500]
    assert _leaks(stream, found) == [], "Redis MONITOR"
    client = redis.Redis.from_url(REDIS_URL)
    stored = []
    for name in client.scan_iter(f"{deployment.redis_prefix}:*"):
        stored.append(name.decode(errors="replace"))
        kind = client.type(name)
        if kind == b"string":
            stored.append(client.get(name).decode(errors="replace"))
        elif kind == b"hash":
            stored.extend(f"{k!r}{v!r}" for k, v in client.hgetall(name).items())
    assert stored, "the session wrote nothing to Redis"
    assert _leaks("\n".join(stored), found) == [], "Redis keys and values"
    listings = [
        deployment.idp("client", "list"),
        deployment.idp("pat", "list", operator.username),
        deployment.idp("api-account", "list", operator.username),
        deployment.idp("api-key", "list", member),
    ]
    assert _leaks(repr(listings), found) == [], "idp listings"
    log = idp_server.log_path.read_text(errors="replace")
    assert "/nowhere?password=REDACTED" in log
    assert _leaks(log, found) == [], "server output"
