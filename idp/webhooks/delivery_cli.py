"""`idp webhook test|rotate-secret|deliveries|redeliver`: the delivery log at a shell."""

from __future__ import annotations

import click

from idp.commands import command
from idp.database import MAX_ID
from idp.webhooks import deliveries
from idp.webhooks.cli import webhook_group
from idp.webhooks.delivery_schemas import DeliveryDetailSchema
from idp.webhooks.delivery_schemas import DeliverySchema
from idp.webhooks.delivery_schemas import SecretRotatedSchema

ID = click.IntRange(1, MAX_ID)


@command(webhook_group, "test")
@click.argument("webhook_id", type=ID)
def webhook_test(webhook_id: int) -> dict:
    """Send a webhook.test event to this webhook only."""
    return DeliverySchema().dump(deliveries.send_test(None, webhook_id))


@command(webhook_group, "rotate-secret")
@click.argument("webhook_id", type=ID)
def webhook_rotate_secret(webhook_id: int) -> dict:
    """Replace the signing secret; the new one is printed once."""
    return SecretRotatedSchema().dump(deliveries.rotate_secret(None, webhook_id))


@command(webhook_group, "deliveries")
@click.argument("webhook_id", type=ID)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def webhook_deliveries(webhook_id: int, limit: int) -> dict:
    """A webhook's latest deliveries, newest first."""
    listing = deliveries.list_deliveries(None, webhook_id)
    return {
        "total": listing.count(),
        "deliveries": DeliverySchema(many=True).dump(listing.page(0, limit)),
    }


@command(webhook_group, "delivery")
@click.argument("webhook_id", type=ID)
@click.argument("delivery_id", type=ID)
def webhook_delivery(webhook_id: int, delivery_id: int) -> dict:
    """One delivery with its payload and every attempt."""
    delivery = deliveries.get_delivery(None, webhook_id, delivery_id)
    delivery.attempt_log = deliveries.attempts_of(delivery)
    return DeliveryDetailSchema().dump(delivery)


@command(webhook_group, "redeliver")
@click.argument("webhook_id", type=ID)
@click.argument("delivery_id", type=ID)
def webhook_redeliver(webhook_id: int, delivery_id: int) -> dict:
    """Send a delivered or failed delivery again, with the same webhook-id."""
    return DeliverySchema().dump(deliveries.redeliver(None, webhook_id, delivery_id))
