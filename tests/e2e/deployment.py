"""A fresh idp deployment: its own PostgreSQL database and Redis key prefix.

Everything in it is created through the real `idp` command, as an administrator
would: the schema, two profiles, two clients, and an operator per test.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

import psycopg
import redis

from .processes import BIN
from .processes import clean_environment
from .processes import run_command

POSTGRES_ADMIN_URL = os.environ.get(
    "IDPTEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("IDPTEST_REDIS", "redis://127.0.0.1:6379/0")
MODULE = "tickets"
# Operators of this profile may inquire every ticket; the other profile has no level
# on any module, so its operators get 403 on the tickets route.
TICKETS_PROFILE = "support"
PLAIN_PROFILE = "reporting"
SCRIPT_CLIENT_ID = "e2e-script"
RESOURCE_SERVER_ID = "e2e-resource-server"


@dataclass(frozen=True)
class Client:
    """An OAuth client and its clear secret."""

    client_id: str
    secret: str


@dataclass(frozen=True)
class Operator:
    """An operator, its clear password, and its id (the ``sub`` of its tokens)."""

    username: str
    password: str
    id: int


class Deployment:
    """A database named ``idp_e2e_<random>`` and the Redis prefix ``idpe2e:<random>``."""

    def __init__(self) -> None:
        suffix = secrets.token_hex(6)
        self.database = f"idp_e2e_{suffix}"
        self.redis_prefix = f"idpe2e:{suffix}"
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        database_url = base.replace("postgresql://", "postgresql+psycopg://", 1)
        self.env = clean_environment(
            IDP_DATABASE_URL=f"{database_url}/{self.database}",
            IDP_REDIS_URL=REDIS_URL,
            IDP_REDIS_KEY_PREFIX=self.redis_prefix,
            IDP_MODULES=f'["{MODULE}"]',
            IDP_SECRET_KEY=secrets.token_urlsafe(32),
        )
        self.script_client: Client | None = None
        self.resource_server: Client | None = None

    def create(self) -> None:
        """Create the database, then set idp up in it with the `idp` command."""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.idp("init")
        self.idp("profile", "create", TICKETS_PROFILE)
        self.idp("profile", "create", PLAIN_PROFILE)
        permissions = self.idp(
            "profile", "set", TICKETS_PROFILE, "--module", MODULE, "--inquire", "all"
        )
        assert permissions["modules"][MODULE]["inquire"] == "all", permissions
        self.script_client = self._client(SCRIPT_CLIENT_ID)
        self.resource_server = self._client(RESOURCE_SERVER_ID, "--introspect")

    def destroy(self) -> None:
        """Drop the database (closing idp's connections) and delete the Redis keys."""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(f"{self.redis_prefix}:*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()

    def idp(self, *args: str, stdin: str | None = None) -> dict[str, Any]:
        """Run ``idp ARGS --json`` against this deployment; return its JSON answer."""
        return run_command([str(BIN / "idp"), *args, "--json"], self.env, stdin=stdin)

    def create_operator(self, profile: str) -> Operator:
        """A new operator of ``profile`` with a password chosen here."""
        username = f"op-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(18)
        created = self.idp(
            "operator",
            "create",
            username,
            "--profile",
            profile,
            "--password-stdin",
            stdin=password + "\n",
        )
        return Operator(username, password, created["id"])

    def _client(self, client_id: str, *options: str) -> Client:
        created = self.idp("client", "create", client_id, *options)
        return Client(client_id, created["client_secret"])
