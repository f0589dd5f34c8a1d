"""Every /api/v1 operation of the OpenAPI document, called by every role.

The operations are read from /openapi.json, so a new endpoint is walked without
touching this file; it then needs a rule below, or the test says which is missing.
The rules are those of issue 5 and DESIGN.md, written out here independently of
idp.accounts.permissions and idp.admin.api.auth.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest

from idp.accounts import modules
from idp.accounts import profiles
from idp.extensions import db
from idp.webhooks import deliveries as webhook_deliveries
from idp.webhooks import endpoints
from idp.webhooks import event_types
from tests.admin.conftest import AdminActions
from tests.admin.conftest import bearer

METHODS = ("get", "post", "put", "patch", "delete")
ROLES = [
    "owner",
    "users_admin",
    "clients_admin",
    "plain",
    "no_api_access",
    "api_member",
    "anonymous",
]
USERNAMES = {role: role.replace("_", "-") for role in ROLES if role != "anonymous"}
#: Operators that are only ever the subject of a call.
TARGETS = {"person": {}, "member": {"kind": "api_member"}}
MEMBERS = {"api-member", "member"}

#: People whose bearer credential works: everyone else is 401 before any rule.
AUTHENTICATED = {"owner", "users_admin", "clients_admin", "plain"}
#: Holders of each profile right; the owner holds every right.
HOLDERS = {
    "manage_users": {"owner", "users_admin"},
    "manage_clients": {"owner", "clients_admin"},
}

CREDENTIAL_PATH = re.compile(
    r"/api/v1/(?P<whose>me|operators/\{username\})"
    r"/(?P<kind>personal-access-tokens|api-accounts|api-keys)(?P<one>/\{\w+\})?"
)
CREDENTIAL_ACTIONS = {
    ("get", False): "list",
    ("post", False): "create",
    ("delete", True): "revoke",
}

#: A valid body for each request schema, so that allowed calls succeed.
BODIES = {
    "ClientCreate": lambda n: {"client_id": f"walk-client-{n}"},
    "ClientUpdate": lambda n: {"access_token_ttl": 600, "refresh_tokens": False},
    "ProfileCreate": lambda n: {"name": f"walk-profile-{n}"},
    "ProfileUpdate": lambda n: {"manage_users": True},
    "OperatorCreate": lambda n: {"username": f"walk-operator-{n}", "profile": "staff"},
    "OperatorUpdate": lambda n: {"rate_limit": "5000/minute"},
    "PersonalAccessTokenCreate": lambda n: {"name": f"walk-{n}"},
    "ApiKeyCreate": lambda n: {"description": f"walk-{n}"},
    "WebhookCreate": lambda n: {"url": "http://127.0.0.1:9/", "events": ["*"]},
    "WebhookUpdate": lambda n: {"description": f"walk-{n}"},
    "EventTypeCreate": lambda n: {"name": f"walk.type{n}"},
    "ModuleCreate": lambda n: {"name": f"walk-module-{n}"},
}
#: Called by an OAuth client, not an operator: tested in tests/webhooks.
CLIENT_OPERATIONS = {("post", "/api/v1/events")}


@dataclass(frozen=True)
class Rule:
    """What an operation needs: a right, any credential, or a credential rule."""

    right: str | None = None
    kind: str | None = None
    action: str | None = None
    #: Only the owner changes the owner (nor its profile: not walked here).
    owner_changes_owner: bool = False
    #: Only the owner (webhooks and event types).
    owner_only: bool = False
    #: The body sets a rate limit, which nobody but the owner sets on itself.
    sets_rate_limit: bool = False


def rule_for(method: str, path: str) -> Rule:
    """The rule of one operation; an operation without one fails the test."""
    if path == "/api/v1/me" and method == "get":
        return Rule()
    if path.startswith("/api/v1/clients"):
        return Rule(right="manage_clients")
    if path.startswith(("/api/v1/webhooks", "/api/v1/event-types")):
        return Rule(owner_only=True)
    if path == "/api/v1/operators/{username}" and method == "patch":
        return Rule(
            right="manage_users", owner_changes_owner=True, sets_rate_limit=True
        )
    if path.startswith(("/api/v1/profiles", "/api/v1/modules")) or path in (
        "/api/v1/audit",
        "/api/v1/operators",
        "/api/v1/operators/{username}",
    ):
        return Rule(right="manage_users")
    match = CREDENTIAL_PATH.fullmatch(path)
    action = CREDENTIAL_ACTIONS.get((method, bool(match and match["one"])))
    if match and action:
        return Rule(kind=match["kind"], action=action)
    raise AssertionError(f"no authorization rule for {method.upper()} {path}")


def allowed(role: str, rule: Rule, target: str | None) -> bool | int:
    """True when ``role`` may call, else the status it must get (401 or 403)."""
    if role not in AUTHENTICATED:
        # No api_access, an API key pair (not a bearer credential), or nothing.
        return 401
    if rule.owner_only:
        return role == "owner" or 403
    if rule.right:
        if rule.owner_changes_owner and target == "owner" and role != "owner":
            return 403
        if rule.sets_rate_limit and target == USERNAMES[role] and role != "owner":
            return 403
        return role in HOLDERS[rule.right] or 403
    if rule.kind is None:
        return True
    admin = role in HOLDERS["manage_users"]
    if target == USERNAMES[role]:
        # Anyone manages its own tokens and API accounts; keys are an admin's job.
        return rule.kind != "api-keys" or admin or 403
    if not admin:
        return 403
    if rule.action == "list":
        return True
    if target == "owner":
        return 403  # only the owner creates or revokes the owner's credentials
    if rule.action == "create" and rule.kind == "personal-access-tokens":
        return 403  # a personal access token is personal
    return True


def fits(rule: Rule, target: str | None) -> bool:
    """Whether the target can hold the credential kind (API keys: API members)."""
    if rule.kind is None:
        return True
    return (rule.kind == "api-keys") == (target in MEMBERS)


class Walk:
    """Fresh path parameters and bodies for each call, made as the administrator."""

    def __init__(self, admin_actions: AdminActions) -> None:
        self.actions = admin_actions
        self.app = admin_actions.app
        self.count = itertools.count()

    def path(self, template: str, target: str) -> str:
        def fill(match: re.Match) -> str:
            name = match[1]
            if name == "username":
                return target
            if name == "client_id":
                client_id = f"walk-client-{next(self.count)}"
                self.actions.oauth.oauth_client(client_id)
                return client_id
            if name == "name" and template.startswith("/api/v1/event-types"):
                name = f"walk.type{next(self.count)}"
                with self.app.app_context():
                    event_types.create_event_type(None, name)
                return name
            if name == "name" and template.startswith("/api/v1/modules"):
                name = f"walk-module-{next(self.count)}"
                with self.app.app_context():
                    modules.create_module(None, name)
                return name
            if name == "webhook_id":
                with self.app.app_context():
                    endpoint, _ = endpoints.create_endpoint(
                        None, url="http://127.0.0.1:9/", events=["*"]
                    )
                    self.webhook_id = endpoint.id
                    return str(endpoint.id)
            if name == "delivery_id":
                # A finished one, which the owner may also redeliver.
                with self.app.app_context():
                    delivery = webhook_deliveries.send_test(None, self.webhook_id)
                    delivery.status = "delivered"
                    db.session.commit()
                    return str(delivery.id)
            if name == "name":
                name = f"walk-profile-{next(self.count)}"
                with self.app.app_context():
                    profiles.create_profile(name)
                return name
            if name == "token_id":
                if target in MEMBERS:
                    return "999999"
                return str(self.actions.oauth.pat(target, name="walk")[0])
            if name == "account_username":
                if target in MEMBERS:
                    return "idp_aa_0000000000000000"
                return self.actions.oauth.api_account(target)[0]
            if name == "public_key":
                if target not in MEMBERS:
                    return "idp_pk_000000000000000000000000"
                return self.actions.oauth.api_key(target)[0]
            raise AssertionError(f"no fixture value for {{{name}}} in {template}")

        return re.sub(r"\{(\w+)\}", fill, template)

    def body(self, operation: dict) -> dict | None:
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            return None
        ref = content["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[1]
        assert name in BODIES, f"no request body written for schema {name}"
        return BODIES[name](next(self.count))


@pytest.fixture
def credentials(admin_actions: AdminActions, oauth_actions) -> dict:
    """The Authorization header each role sends (none for anonymous)."""
    headers = {
        "owner": admin_actions.login("owner", is_owner=True),
        "users_admin": admin_actions.login("users-admin", manage_users=True),
        "clients_admin": admin_actions.login("clients-admin", manage_clients=True),
        "plain": admin_actions.login("plain"),
        "no_api_access": admin_actions.login("no-api-access", api_access=False),
        "anonymous": {},
    }
    admin_actions.operator("api-member", kind="api_member")
    pair = ":".join(admin_actions.oauth.api_key("api-member"))
    # The pair is a live credential at introspection, just not a bearer one.
    answer = oauth_actions.introspect(oauth_actions.resource_server(), pair).json
    assert answer["active"] is True
    headers["api_member"] = bearer(pair)
    for username, kwargs in TARGETS.items():
        admin_actions.operator(username, **kwargs)
    with admin_actions.app.app_context():
        profiles.create_profile("staff")
    return headers


@pytest.mark.config(
    RATE_LIMIT="100000/minute",
    WEBHOOK_ALLOWED_NETWORKS=["127.0.0.1/32"],
    PUBLIC_DOCS=True,
)
def test_every_role_gets_the_status_its_rules_give(client, admin_actions, credentials):
    """Each (role, operation, target) against the rules: 2xx, 401 or 403."""
    document = client.get("/openapi.json").json
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if method in METHODS and (method, path) not in CLIENT_OPERATIONS
    ]
    assert len(operations) >= 30
    walk = Walk(admin_actions)
    mismatches = []
    calls = 0
    for role, (method, template, operation) in itertools.product(ROLES, operations):
        rule = rule_for(method, template)
        if "{username}" in template:
            targets = {"owner", *TARGETS, USERNAMES.get(role, "person")}
        else:
            targets = {USERNAMES.get(role, "person")}
        for target in sorted(targets):
            want = allowed(role, rule, target)
            path = walk.path(template, target)
            body = walk.body(operation)
            kwargs = {"json": body} if body is not None else {}
            response = client.open(
                path, method=method.upper(), headers=credentials[role], **kwargs
            )
            calls += 1
            status = response.status_code
            if want is True and fits(rule, target):
                ok = 200 <= status < 300
            elif want is True:
                ok = 200 <= status < 300 or status in (404, 422)
            else:
                ok = status == want
            if ok and status == 401:
                ok = response.headers["WWW-Authenticate"].startswith("Bearer")
            if not ok:
                mismatches.append((role, method.upper(), path, target, status, want))
    assert calls > len(ROLES) * len(operations)
    assert mismatches == []
