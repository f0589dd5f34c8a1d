"""/api/v1/webhooks: endpoints subscribed to events (the owner only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import Blueprint

from idp.admin.api.auth import current_operator
from idp.admin.api.auth import require
from idp.admin.api.pagination import paginated
from idp.database import MAX_ID
from idp.webhooks import endpoints
from idp.webhooks.schemas import WebhookCreatedSchema
from idp.webhooks.schemas import WebhookCreateSchema
from idp.webhooks.schemas import WebhookSchema
from idp.webhooks.schemas import WebhookUpdateSchema

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters

    from idp.created import Created
    from idp.events.models import WebhookEndpoint

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Webhook endpoints: where idp sends events, and how it "
    "authenticates there. The owner only.",
)


@blp.route("")
class Webhooks(MethodView):
    @require()
    @blp.response(200, WebhookSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters) -> list:
        """List webhooks (never a masked value, password or secret)"""
        return paginated(
            endpoints.list_endpoints(current_operator()), pagination_parameters
        )

    @require()
    @blp.arguments(
        WebhookCreateSchema,
        example={
            "url": "https://hooks.example.com/idp",
            "events": ["credential.revoked", "task.created"],
            "basic_auth": {"username": "idp", "password": "s3cret"},
            "headers": [{"name": "X-Api-Key", "value": "k-123", "masked": True}],
        },
    )
    @blp.response(201, WebhookCreatedSchema)
    def post(self, data: dict) -> Created:
        """Add a webhook

        The signing secret (`whsec_…`) is in this answer only.
        """
        return endpoints.create_endpoint(current_operator(), **data)


@blp.route(f"/<int(max={MAX_ID}):webhook_id>")
class WebhookById(MethodView):
    @require()
    @blp.response(200, WebhookSchema)
    def get(self, webhook_id: int) -> WebhookEndpoint:
        """Show a webhook"""
        return endpoints.get_endpoint(current_operator(), webhook_id)

    @require()
    @blp.arguments(WebhookUpdateSchema, example={"events": ["*"], "enabled": True})
    @blp.response(200, WebhookSchema)
    def patch(self, data: dict, webhook_id: int) -> WebhookEndpoint:
        """Change a webhook

        A masked header sent with `"value": null` keeps its value; `basic_auth`
        without `password` keeps the password; `"basic_auth": null` removes it.
        """
        actor = current_operator()
        endpoint = endpoints.get_endpoint(actor, webhook_id)
        return endpoints.update_endpoint(actor, endpoint, **data)

    @require()
    @blp.response(204)
    def delete(self, webhook_id: int) -> None:
        """Delete a webhook and its delivery log"""
        actor = current_operator()
        endpoints.delete_endpoint(actor, endpoints.get_endpoint(actor, webhook_id))
