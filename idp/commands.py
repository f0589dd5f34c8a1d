"""What every `idp` subcommand shares: --json, one-line errors, parameter types."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext

from idp.errors import DomainError
from idp.ratelimit.limiter import parse_limit
from idp.timeutil import MAX_TTL

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


class Duration(click.ParamType):
    """A lifetime such as 1h30m, 30d, 45m or 90s, as seconds."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        if isinstance(value, int):
            return value
        match = _DURATION.fullmatch(str(value).strip())
        if not value or match is None or not any(match.groups()):
            self.fail(f"{value!r} is not a duration like 1h30m, 30d or 90s", param, ctx)
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        if total <= 0:
            self.fail("a lifetime must be longer than zero", param, ctx)
        if total > MAX_TTL:
            self.fail("a lifetime must be at most 3650 days", param, ctx)
        return total


class RateLimit(click.ParamType):
    """A limit in the `limits` notation, such as 120/minute."""

    name = "rate"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        if value == "":
            return value  # `operator set --rate-limit ""` restores the default
        try:
            parse_limit(value)
        except ValueError:
            self.fail(f"{value!r} is not a rate limit like 120/minute", param, ctx)
        return value


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object."
)


def command(group: click.Group, name: str, **kwargs: Any) -> Callable:
    """A subcommand with --json, an app context, and domain errors as usage errors."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(*args: Any, as_json: bool, **kw: Any) -> None:
            try:
                result = func(*args, **kw)
            except DomainError as error:
                raise click.UsageError(str(error)) from None
            emit(result, as_json)

        return group.command(name, **kwargs)(json_option(with_appcontext(run)))

    return decorate


def emit(result: dict, as_json: bool) -> None:
    """Print a command's result: one JSON object, or one `key: value` per line."""
    if as_json:
        click.echo(json.dumps(result, default=str))
        return
    for key, value in result.items():
        if isinstance(value, list):
            click.echo(f"{key}:")
            for item in value:
                if not isinstance(item, dict):
                    click.echo(f"  {item}")
                    continue
                click.echo(
                    "  " + ", ".join(f"{k}={_human(k, v)}" for k, v in item.items())
                )
        else:
            click.echo(f"{key}: {_human(key, value)}")


def _human(key: str, value: Any) -> Any:
    if value is None:
        return {"last_used_at": "never used", "rate_limit": "default"}.get(key, "-")
    return value


def read_stdin_secret(what: str) -> str:
    secret = sys.stdin.readline().rstrip("\r\n")
    if not secret.strip():
        raise click.UsageError(f"The {what} read from stdin is empty.")
    return secret
