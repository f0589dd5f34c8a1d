"""`idp audit list` and `idp audit export`: the audit log from the shell."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from idp.audit import log
from idp.audit.schemas import AuditFilterSchema
from idp.audit.schemas import AuditRecordSchema
from idp.commands import json_option

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

audit_group = click.Group(
    "audit", help="The audit log: who changed what, when, from where."
)

_RECORD = AuditRecordSchema()


def filter_options(func: Callable) -> Callable:
    """The filters of GET /api/v1/audit, checked by the same schema."""
    for option in reversed(
        [
            click.option("--actor", help="An operator's username, a client's ID…"),
            click.option(
                "--target", help="For example operator:alice or client:reports."
            ),
            click.option(
                "--action", help="An action, or a family: client, credential…"
            ),
            click.option("--since", help="RFC 3339 time, inclusive."),
            click.option("--until", help="RFC 3339 time, exclusive."),
        ]
    ):
        func = option(func)
    return func


def _filters(given: dict) -> dict:
    try:
        return AuditFilterSchema().load(
            {k: v for k, v in given.items() if v is not None}
        )
    except ValidationError as error:
        field, messages = next(iter(error.normalized_messages().items()))
        raise click.UsageError(f"--{field}: {' '.join(messages)}") from None


@audit_group.command("list")
@filter_options
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@json_option
@with_appcontext
def audit_list(limit: int, as_json: bool, **given: str | None) -> None:
    """The latest records, newest first."""
    rows = log.records(**_filters(given)).page(0, limit)
    if as_json:
        click.echo(json.dumps({"records": _RECORD.dump(rows, many=True)}))
        return
    for row in rows:
        who = row.actor or "-"
        click.echo(
            f"{_RECORD.dump(row)['at']}  {row.action}  {row.target}  "
            f"by {row.actor_kind} {who} via {row.via} from {row.source or '-'}"
        )


@audit_group.command("export")
@filter_options
@click.option(
    "--output",
    type=click.File("w", lazy=True),
    default="-",
    help="A file to write; default standard output.",
)
@with_appcontext
def audit_export(output: TextIO, **given: str | None) -> None:
    """Every matching record as JSON lines, oldest first."""
    listing = log.records(**_filters(given), oldest_first=True)
    for row in log.stream(listing):
        output.write(json.dumps(_RECORD.dump(row), separators=(",", ":")) + "\n")
