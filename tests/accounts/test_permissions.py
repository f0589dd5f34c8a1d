"""The permission model for credentials, for every actor, action, kind and target."""

from __future__ import annotations

import itertools

import pytest

from idp.accounts.credential_kinds import MANAGED_KINDS
from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.operators import get_operator
from idp.accounts.operators import update_operator
from idp.accounts.permissions import Action
from idp.accounts.permissions import Forbidden
from idp.accounts.permissions import may
from idp.credentials import services

PAT, ACCOUNT, KEY = MANAGED_KINDS
CREATE, LIST, REVOKE = Action.CREATE, Action.LIST, Action.REVOKE

ACTORS = [
    "cli",
    "owner",
    "users_admin",
    "clients_admin",
    "plain",
    "no_api_access",
    "inactive",
    "api_member",
]
TARGETS = ["self", "owner", "plain_other", "member_other", "clients_other"]
#: Targets holding a right the users admin lacks.
STRONGER = {"clients_other"}

SELF_SERVICE = {(a, k) for a in Action for k in (PAT, ACCOUNT)}
ADMIN_ON_OTHERS = (
    {(LIST, k) for k in MANAGED_KINDS}
    | {(CREATE, ACCOUNT), (CREATE, KEY)}
    | {(REVOKE, k) for k in MANAGED_KINDS}
)


def expected(actor: str, target: str, action: Action, kind: CredentialKind) -> bool:
    """The rules of issue 4 and DESIGN.md, written out independently of the code."""
    if actor == "cli":
        return True  # the administrator at the command line
    if actor in ("no_api_access", "inactive", "api_member"):
        return False  # barred operators and service accounts manage nothing
    admin = actor in ("owner", "users_admin")
    if target == "self":
        return (action, kind) in SELF_SERVICE or (admin and kind == KEY)
    if not admin:
        return False
    if target == "owner" and action != LIST:
        return False  # only the owner creates or revokes the owner's credentials
    if target in STRONGER and action == CREATE and actor != "owner":
        return False  # its credential would lend rights the actor lacks
    return (action, kind) in ADMIN_ON_OTHERS


@pytest.fixture
def operators(oauth_actions) -> dict:
    """One operator per actor role, plus the targets."""
    spec = {
        "owner": {"is_owner": True},
        "users_admin": {"manage_users": True},
        "clients_admin": {"manage_clients": True},
        "plain": {},
        "no_api_access": {"api_access": False},
        "inactive": {},
        "api_member": {"kind": "api_member", "password": None},
        "plain_other": {},
        "member_other": {"kind": "api_member", "password": None},
        "clients_other": {"manage_clients": True},
    }
    for username, kwargs in spec.items():
        oauth_actions.operator(username, **kwargs)
    with oauth_actions.app.app_context():
        update_operator(get_operator("inactive"), is_active=False)
    return spec


def test_every_combination_follows_the_rules(app, operators):
    """8 actors x 5 targets x 3 actions x 3 kinds against the written rules."""
    mismatches = []
    with app.app_context():
        for actor_name, target_name, action, kind in itertools.product(
            ACTORS, TARGETS, Action, MANAGED_KINDS
        ):
            actor = None if actor_name == "cli" else get_operator(actor_name)
            if target_name == "self":
                if actor is None:
                    continue
                target = actor
            else:
                target = get_operator(target_name)
            if actor is not None and actor.id == target.id and target_name != "self":
                continue  # the owner looking at "owner" is the self case
            want = expected(actor_name, target_name, action, kind)
            if may(actor, action, kind, target) != want:
                mismatches.append(
                    (actor_name, target_name, str(action), str(kind), want)
                )
    assert mismatches == []


def _issue_pat(actor, target):
    return services.issue_personal_access_token(actor, target, name="t")


def _list_pats(actor, target):
    return services.list_personal_access_tokens(actor, target)


def _revoke_pat(actor, target):
    token, _ = services.issue_personal_access_token(None, target, name="t")
    return services.revoke_personal_access_token(actor, target, token.id)


def _create_account(actor, target):
    return services.create_api_account(actor, target)


def _delete_account(actor, target):
    account, _ = services.create_api_account(None, target)
    return services.delete_api_account(actor, target, account.username)


def _create_key(actor, target):
    return services.create_api_key(actor, target)


def _revoke_key(actor, target):
    key, _ = services.create_api_key(None, target)
    return services.revoke_api_key(actor, target, key.public_key)


@pytest.mark.parametrize(
    ("call", "target"),
    [
        (_issue_pat, "plain_other"),
        (_list_pats, "plain_other"),
        (_revoke_pat, "plain_other"),
        (_create_account, "plain_other"),
        (_delete_account, "plain_other"),
        (_create_key, "member_other"),
        (_revoke_key, "member_other"),
    ],
)
def test_every_service_enforces_the_rules(app, operators, call, target):
    """Each service refuses a plain operator acting on someone else."""
    with app.app_context():
        actor = get_operator("plain")
        with pytest.raises(Forbidden):
            call(actor, get_operator(target))


@pytest.mark.parametrize("call", [_revoke_pat, _delete_account])
def test_only_the_owner_revokes_the_owners_credentials(app, operators, call):
    """An admin with manage_users cannot touch the owner's credentials; the owner can."""
    with app.app_context():
        owner = get_operator("owner")
        with pytest.raises(Forbidden):
            call(get_operator("users_admin"), owner)
        call(owner, owner)


def test_admin_revokes_a_plain_operators_token(app, operators, oauth_actions):
    """manage_users revokes other operators' tokens, and it takes effect at once."""
    resource_server = oauth_actions.resource_server()
    with app.app_context():
        target = get_operator("plain_other")
        token, secret = services.issue_personal_access_token(None, target, name="t")
        token_id = token.id
    assert oauth_actions.introspect(resource_server, secret).json["active"] is True
    with app.app_context():
        services.revoke_personal_access_token(
            get_operator("users_admin"),
            get_operator("plain_other"),
            token_id,
        )
    assert oauth_actions.introspect(resource_server, secret).json == {"active": False}
