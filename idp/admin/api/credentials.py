"""An operator's personal access tokens, API accounts and API keys.

Each route exists under /api/v1/operators/<username>/ and, for the caller's own,
under /api/v1/me/. Who may do what is decided by idp.accounts.permissions inside
the services; these views only name the actor and the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import Blueprint

from idp.accounts import operators
from idp.accounts import permissions
from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.permissions import Action
from idp.admin.api.auth import current_operator
from idp.admin.api.auth import require
from idp.admin.api.pagination import paginated
from idp.credentials import services
from idp.credentials.schemas import ApiAccountCreatedSchema
from idp.credentials.schemas import ApiAccountSchema
from idp.credentials.schemas import ApiKeyCreatedSchema
from idp.credentials.schemas import ApiKeyCreateSchema
from idp.credentials.schemas import ApiKeySchema
from idp.credentials.schemas import PersonalAccessTokenCreatedSchema
from idp.credentials.schemas import PersonalAccessTokenCreateSchema
from idp.credentials.schemas import PersonalAccessTokenSchema
from idp.database import MAX_ID

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters

    from idp.accounts.models import Operator
    from idp.created import Created

blp = Blueprint(
    "credentials_api",
    __name__,
    url_prefix="/api/v1",
    description="Personal access tokens, API accounts and API keys of an operator.",
)
ME = {"username": None}


def _target(
    username: str | None, action: Action, kind: CredentialKind
) -> tuple[Operator, Operator]:
    """The operator named in the path, or the caller for /me routes."""
    actor = current_operator()
    if username is None or username == actor.username:
        return actor, actor
    permissions.require_others(actor, action, kind)
    return actor, operators.get_operator(username)


@blp.route("/operators/<username>/personal-access-tokens")
@blp.route("/me/personal-access-tokens", endpoint="MyTokens", defaults=ME)
class Tokens(MethodView):
    @require()
    @blp.response(200, PersonalAccessTokenSchema(many=True))
    @blp.paginate()
    def get(
        self, pagination_parameters: PaginationParameters, username: str | None
    ) -> list:
        """List personal access tokens (never the tokens themselves)"""
        actor, target = _target(
            username, Action.LIST, CredentialKind.PERSONAL_ACCESS_TOKEN
        )
        tokens = services.list_personal_access_tokens(actor, target)
        return paginated(tokens, pagination_parameters)

    @require()
    @blp.arguments(
        PersonalAccessTokenCreateSchema, example={"name": "ci", "expires_in": 2592000}
    )
    @blp.response(201, PersonalAccessTokenCreatedSchema)
    def post(self, data: dict, username: str | None) -> Created:
        """Create a personal access token; it is in this answer only"""
        actor, target = _target(
            username, Action.CREATE, CredentialKind.PERSONAL_ACCESS_TOKEN
        )
        return services.issue_personal_access_token(actor, target, **data)


@blp.route(f"/operators/<username>/personal-access-tokens/<int(max={MAX_ID}):token_id>")
@blp.route(
    f"/me/personal-access-tokens/<int(max={MAX_ID}):token_id>",
    endpoint="MyToken",
    defaults=ME,
)
class Token(MethodView):
    @require()
    @blp.response(204)
    def delete(self, username: str | None, token_id: int) -> None:
        """Revoke a personal access token; it stops working at once"""
        actor, target = _target(
            username, Action.REVOKE, CredentialKind.PERSONAL_ACCESS_TOKEN
        )
        services.revoke_personal_access_token(actor, target, token_id)


@blp.route("/operators/<username>/api-accounts")
@blp.route("/me/api-accounts", endpoint="MyApiAccounts", defaults=ME)
class ApiAccounts(MethodView):
    @require()
    @blp.response(200, ApiAccountSchema(many=True))
    @blp.paginate()
    def get(
        self, pagination_parameters: PaginationParameters, username: str | None
    ) -> list:
        """List API accounts (never a password)"""
        actor, target = _target(username, Action.LIST, CredentialKind.API_ACCOUNT)
        return paginated(
            services.list_api_accounts(actor, target), pagination_parameters
        )

    @require()
    @blp.response(201, ApiAccountCreatedSchema)
    def post(self, username: str | None) -> Created:
        """Create an API account; its password is in this answer only"""
        actor, target = _target(username, Action.CREATE, CredentialKind.API_ACCOUNT)
        return services.create_api_account(actor, target)


@blp.route("/operators/<username>/api-accounts/<account_username>")
@blp.route("/me/api-accounts/<account_username>", endpoint="MyApiAccount", defaults=ME)
class ApiAccount(MethodView):
    @require()
    @blp.response(204)
    def delete(self, username: str | None, account_username: str) -> None:
        """Delete an API account; it stops working at once"""
        actor, target = _target(username, Action.REVOKE, CredentialKind.API_ACCOUNT)
        services.delete_api_account(actor, target, account_username)


@blp.route("/operators/<username>/api-keys")
class ApiKeys(MethodView):
    @require()
    @blp.response(200, ApiKeySchema(many=True))
    @blp.paginate()
    def get(
        self, pagination_parameters: PaginationParameters, username: str | None
    ) -> list:
        """List an API member's keys (never a private key)"""
        actor, target = _target(username, Action.LIST, CredentialKind.API_KEY)
        return paginated(services.list_api_keys(actor, target), pagination_parameters)

    @require()
    @blp.arguments(ApiKeyCreateSchema, example={"description": "nightly sync"})
    @blp.response(201, ApiKeyCreatedSchema)
    def post(self, data: dict, username: str | None) -> Created:
        """Create a key pair; the private key is in this answer only"""
        actor, target = _target(username, Action.CREATE, CredentialKind.API_KEY)
        return services.create_api_key(actor, target, **data)


@blp.route("/operators/<username>/api-keys/<public_key>")
class ApiKey(MethodView):
    @require()
    @blp.response(204)
    def delete(self, username: str | None, public_key: str) -> None:
        """Revoke an API key; it stops working at once"""
        actor, target = _target(username, Action.REVOKE, CredentialKind.API_KEY)
        services.revoke_api_key(actor, target, public_key)
