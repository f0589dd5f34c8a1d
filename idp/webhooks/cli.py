"""`idp webhook …` and `idp event-type …`: the same services as the admin API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from idp.commands import command
from idp.commands import read_stdin_secret
from idp.database import MAX_ID
from idp.webhooks import endpoints
from idp.webhooks import event_types
from idp.webhooks.schemas import EventTypeSchema
from idp.webhooks.schemas import WebhookCreatedSchema
from idp.webhooks.schemas import WebhookSchema

if TYPE_CHECKING:
    from collections.abc import Callable

webhook_group = click.Group("webhook", help="Webhook endpoints (see `idp webhooks`).")
event_type_group = click.Group("event-type", help="Event types webhooks subscribe to.")


def _header(
    masked: bool,
) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], list[dict]]:
    def convert(
        ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
    ) -> list[dict]:
        headers = []
        for value in values:
            name, colon, text = value.partition(":")
            if not colon and not masked:
                raise click.BadParameter(
                    f"{value!r} is not 'Name: value'", ctx=ctx, param=param
                )
            # On update, `--masked-header Name` keeps the stored value.
            headers.append(
                {
                    "name": name.strip(),
                    "value": text.strip() if colon else None,
                    "masked": masked,
                }
            )
        return headers

    return convert


def _options(func: Callable[..., dict]) -> Callable[..., dict]:
    options = [
        click.option("--description", help="What the receiver is."),
        click.option("--basic-user", help="Username for HTTP Basic to the receiver."),
        click.option(
            "--basic-password-stdin",
            is_flag=True,
            help="Read the Basic password from stdin.",
        ),
        click.option(
            "--header",
            "headers",
            multiple=True,
            callback=_header(False),
            help="'Name: value' sent with every delivery; repeat for several.",
        ),
        click.option(
            "--masked-header",
            "masked_headers",
            multiple=True,
            callback=_header(True),
            help="'Name: value' never shown again; repeat for several.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _basic_auth(basic_user: str | None, basic_password_stdin: bool) -> dict | None:
    if basic_password_stdin and not basic_user:
        raise click.UsageError("--basic-password-stdin needs --basic-user.")
    if not basic_user:
        return None
    password = read_stdin_secret("Basic password") if basic_password_stdin else None
    return {"username": basic_user, "password": password}


WEBHOOK = WebhookSchema()


@command(webhook_group, "create")
@click.argument("url")
@click.option(
    "--event",
    "events",
    multiple=True,
    required=True,
    help="An event type, or '*' for all; repeat for several.",
)
@_options
def webhook_create(
    url: str,
    events: tuple[str, ...],
    description: str | None,
    basic_user: str | None,
    basic_password_stdin: bool,
    headers: list[dict],
    masked_headers: list[dict],
) -> dict:
    """Add a webhook; its signing secret is printed once."""
    created = endpoints.create_endpoint(
        None,
        url=url,
        events=list(events),
        description=description or "",
        basic_auth=_basic_auth(basic_user, basic_password_stdin),
        headers=[*headers, *masked_headers],
    )
    return WebhookCreatedSchema().dump(created)


@command(webhook_group, "list")
def webhook_list() -> dict:
    """Every webhook (never a masked value, password or secret)."""
    return {"webhooks": WEBHOOK.dump(endpoints.list_endpoints(None), many=True)}


@command(webhook_group, "show")
@click.argument("webhook_id", type=click.IntRange(1, MAX_ID))
def webhook_show(webhook_id: int) -> dict:
    """One webhook (never a masked value, password or secret)."""
    return WEBHOOK.dump(endpoints.get_endpoint(None, webhook_id))


@command(webhook_group, "update")
@click.argument("webhook_id", type=click.IntRange(1, MAX_ID))
@click.option("--url")
@click.option("--event", "events", multiple=True, help="Replaces the event list.")
@click.option("--enable/--disable", "enabled", default=None)
@click.option("--no-basic-auth", is_flag=True, help="Stop sending HTTP Basic.")
@_options
def webhook_update(
    webhook_id: int,
    url: str | None,
    events: tuple[str, ...],
    enabled: bool | None,
    no_basic_auth: bool,
    description: str | None,
    basic_user: str | None,
    basic_password_stdin: bool,
    headers: list[dict],
    masked_headers: list[dict],
) -> dict:
    """Change a webhook. --header/--masked-header replace every header;
    `--masked-header Name` without a value keeps the stored one."""
    changes: dict = {
        "url": url,
        "events": list(events) or None,
        "enabled": enabled,
        "description": description,
    }
    if headers or masked_headers:
        changes["headers"] = [*headers, *masked_headers]
    if no_basic_auth:
        changes["basic_auth"] = None
    elif basic_user:
        changes["basic_auth"] = _basic_auth(basic_user, basic_password_stdin)
    elif basic_password_stdin:
        raise click.UsageError("--basic-password-stdin needs --basic-user.")
    endpoint = endpoints.get_endpoint(None, webhook_id)
    return WEBHOOK.dump(endpoints.update_endpoint(None, endpoint, **changes))


@command(webhook_group, "delete")
@click.argument("webhook_id", type=click.IntRange(1, MAX_ID))
def webhook_delete(webhook_id: int) -> dict:
    """Delete a webhook and its delivery log."""
    endpoints.delete_endpoint(None, endpoints.get_endpoint(None, webhook_id))
    return {"id": webhook_id, "deleted": True}


@command(event_type_group, "create")
@click.argument("name")
@click.option("--description", default="", help="What the event means.")
def event_type_create(name: str, description: str) -> dict:
    """Declare an event type the organisation's API publishes."""
    return EventTypeSchema().dump(
        event_types.create_event_type(None, name, description)
    )


@command(event_type_group, "list")
def event_type_list() -> dict:
    """Every event type, built-in and declared."""
    return {
        "event_types": EventTypeSchema(many=True).dump(
            event_types.list_event_types(None)
        )
    }


@command(event_type_group, "delete")
@click.argument("name")
def event_type_delete(name: str) -> dict:
    """Forget a declared event type."""
    event_types.delete_event_type(None, name)
    return {"name": name, "deleted": True}
