"""/api/v1/webhooks/<id>/…: the delivery log, redelivery, test events, secret rotation.

The owner only, decided in idp.accounts.permissions through the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import Blueprint

from idp.admin.api.auth import current_operator
from idp.admin.api.auth import require
from idp.admin.api.pagination import paginated
from idp.database import MAX_ID
from idp.webhooks import deliveries
from idp.webhooks.delivery_schemas import DeliveryDetailSchema
from idp.webhooks.delivery_schemas import DeliverySchema
from idp.webhooks.delivery_schemas import SecretRotatedSchema

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters

    from idp.created import Created
    from idp.events.models import WebhookDelivery

blp = Blueprint(
    "webhook_deliveries",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="What was sent to a webhook and what it answered; sending again, "
    "test events and secret rotation. The owner only.",
)
WEBHOOK = f"/<int(max={MAX_ID}):webhook_id>"
DELIVERY = f"{WEBHOOK}/deliveries/<int(max={MAX_ID}):delivery_id>"


@blp.route(f"{WEBHOOK}/deliveries")
class Deliveries(MethodView):
    @require()
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters, webhook_id: int) -> list:
        """List a webhook's deliveries, newest first"""
        listing = deliveries.list_deliveries(current_operator(), webhook_id)
        return paginated(listing, pagination_parameters)


@blp.route(DELIVERY)
class Delivery(MethodView):
    @require()
    @blp.response(200, DeliveryDetailSchema)
    def get(self, webhook_id: int, delivery_id: int) -> WebhookDelivery:
        """Read a delivery with its payload and every attempt"""
        delivery = deliveries.get_delivery(current_operator(), webhook_id, delivery_id)
        delivery.attempt_log = deliveries.attempts_of(delivery)
        return delivery


@blp.route(f"{DELIVERY}/redeliver")
class Redeliver(MethodView):
    @require()
    @blp.response(202, DeliverySchema)
    def post(self, webhook_id: int, delivery_id: int) -> WebhookDelivery:
        """Send a delivered or failed delivery again, with the same webhook-id"""
        return deliveries.redeliver(current_operator(), webhook_id, delivery_id)


@blp.route(f"{WEBHOOK}/test")
class Test(MethodView):
    @require()
    @blp.response(202, DeliverySchema)
    def post(self, webhook_id: int) -> WebhookDelivery:
        """Send a webhook.test event to this webhook only"""
        return deliveries.send_test(current_operator(), webhook_id)


@blp.route(f"{WEBHOOK}/rotate-secret")
class RotateSecret(MethodView):
    @require()
    @blp.response(200, SecretRotatedSchema)
    def post(self, webhook_id: int) -> Created:
        """Replace the signing secret

        The new `whsec_…` is in this answer only. Until `previous_secret_expires_at`
        (IDP_WEBHOOK_SECRET_OVERLAP) deliveries carry a signature by each secret.
        """
        return deliveries.rotate_secret(current_operator(), webhook_id)
