"""`idp serve`: gunicorn with the settings and the WSGI entry installed with idp.

It replaces itself with gunicorn (exec), so signals from systemd or a terminal
reach gunicorn's arbiter directly and no idp process sits in between.
"""

from __future__ import annotations

import os
import sys

import click

GUNICORN_CONFIG = "python:idp.gunicorn_conf"
WSGI_APP = "idp.wsgi:app"


def gunicorn_command(
    bind: tuple[str, ...],
    workers: int | None,
    threads: int | None,
    extra: tuple[str, ...],
) -> list[str]:
    """The gunicorn command line `idp serve` runs."""
    command = [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG]
    for address in bind:
        command += ["--bind", address]
    if workers is not None:
        command += ["--workers", str(workers)]
    if threads is not None:
        command += ["--threads", str(threads)]
    return [*command, *extra, WSGI_APP]


@click.command(
    "serve",
    context_settings={"ignore_unknown_options": True},
    epilog="Other gunicorn options follow after --, for example: "
    "idp serve -- --access-logfile /var/log/idp/access.log",
)
@click.option(
    "--bind",
    "-b",
    multiple=True,
    help="Address to listen on (host:port, unix:PATH, fd://N); default "
    "$GUNICORN_BIND or 127.0.0.1:5000. Repeat for several.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    help="Worker processes; default $GUNICORN_WORKERS or 2 x cores + 1.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Threads per worker; default $GUNICORN_THREADS or 4.",
)
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def serve_command(
    bind: tuple[str, ...],
    workers: int | None,
    threads: int | None,
    extra: tuple[str, ...],
) -> None:
    """Serve idp with gunicorn (refuses settings that only seem to work)."""
    command = gunicorn_command(bind, workers, threads, extra)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
