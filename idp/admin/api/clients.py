"""/api/v1/clients: register and manage OAuth clients (needs manage_clients)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from idp.admin.api.auth import Right
from idp.admin.api.auth import current_operator
from idp.admin.api.auth import require
from idp.admin.api.pagination import paginated
from idp.created import Created
from idp.oauth import clients as oauth_clients
from idp.oauth.schemas import ClientCreatedSchema
from idp.oauth.schemas import ClientCreateSchema
from idp.oauth.schemas import ClientSchema
from idp.oauth.schemas import ClientUpdateSchema

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters

    from idp.credentials.models import OAuthClient

blp = Blueprint(
    "clients",
    __name__,
    url_prefix="/api/v1/clients",
    description="OAuth clients: scripts and resource servers.",
)


@blp.route("")
class Clients(MethodView):
    @require(Right.MANAGE_CLIENTS)
    @blp.response(200, ClientSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters) -> list:
        """List clients"""
        return paginated(oauth_clients.list_clients(), pagination_parameters)

    @require(Right.MANAGE_CLIENTS)
    @blp.arguments(
        ClientCreateSchema, example={"client_id": "reports", "access_token_ttl": 5400}
    )
    @blp.response(201, ClientCreatedSchema)
    def post(self, data: dict) -> Created:
        """Register a client

        The secret is in this answer only; without `client_secret`, one is generated.
        """
        config = current_app.config
        return oauth_clients.register_client(
            data.pop("client_id"),
            secret=data.pop("client_secret", None),
            access_token_ttl=data.pop("access_token_ttl", config["DEFAULT_ACCESS_TTL"]),
            refresh_token_ttl=data.pop(
                "refresh_token_ttl", config["DEFAULT_REFRESH_TTL"]
            ),
            **data,
        )


@blp.route("/<client_id>")
class ClientById(MethodView):
    @require(Right.MANAGE_CLIENTS)
    @blp.response(200, ClientSchema)
    def get(self, client_id: str) -> OAuthClient:
        """Show a client"""
        return oauth_clients.get_client(client_id)

    @require(Right.MANAGE_CLIENTS)
    @blp.arguments(ClientUpdateSchema, example={"access_token_ttl": 3600})
    @blp.response(200, ClientSchema)
    def patch(self, data: dict, client_id: str) -> OAuthClient:
        """Change lifetimes or grants"""
        return oauth_clients.update_client(oauth_clients.get_client(client_id), **data)

    @require(Right.MANAGE_CLIENTS)
    @blp.response(204)
    def delete(self, client_id: str) -> None:
        """Delete a client and every token issued through it"""
        oauth_clients.delete_client(
            oauth_clients.get_client(client_id), actor=current_operator()
        )


@blp.route("/<client_id>/rotate-secret")
class ClientSecret(MethodView):
    @require(Right.MANAGE_CLIENTS)
    @blp.response(200, ClientCreatedSchema)
    def post(self, client_id: str) -> Created:
        """Replace the secret; the new one is in this answer only"""
        client = oauth_clients.get_client(client_id)
        secret = oauth_clients.rotate_client_secret(client, actor=current_operator())
        return Created(client, secret)
