"""gunicorn settings for idp, installed with it: `idp serve` runs gunicorn with them
(`gunicorn -c python:idp.gunicorn_conf idp.wsgi:app` is the same by hand).

Each value can be overridden on the command line or by GUNICORN_* variables
read below. App processes are stateless: scale out by adding workers or hosts,
with PostgreSQL and Redis shared by all of them.
"""

from __future__ import annotations

import atexit
import ipaddress
import multiprocessing
import os
import shutil
import socket
import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.sock import BaseSocket
    from gunicorn.workers.base import Worker

# Before anything imports prometheus_client: every worker then writes its
# samples to files here, and /metrics adds them up (idp.metrics).
_own_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = tempfile.mkdtemp(prefix="idp-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir

    def _remove_own_metrics_dir(arbiter: int = os.getpid()) -> None:
        """At the arbiter's exit, however it comes (an app that fails to load
        skips on_exit); workers, forked with this hook, leave it alone."""
        if os.getpid() == arbiter:
            shutil.rmtree(_own_metrics_dir, ignore_errors=True)

    atexit.register(_remove_own_metrics_dir)

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
# Chosen from `make bench-serving` (bench/serving.py): introspection is short and
# half of it waits on Redis and the database, so a few threads per worker; more
# workers than cores keep the cores busy while others wait.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Loaded before forking so every worker shares the code pages.
preload_app = True
timeout = 30
graceful_timeout = 20
# Resource servers keep pooled connections to idp: closing idle ones sooner
# races their reuse (a reset the caller sees as idp being down).
keepalive = 75
# Access logs carry paths and statuses, never bodies or headers (tokens travel
# there), and a query string's values are redacted (idp.logs.AccessLogger).
accesslog = "-"
logger_class = "idp.logs.AccessLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %(request_id)s'
errorlog = "-"


def on_starting(server: Arbiter) -> None:
    """Spread connections over the workers; clear a named metrics directory.

    A kept-alive connection stays with the worker that accepted it, and from one
    shared socket a single worker often accepts a whole pool at once (all 16 of
    a benchmark's connections on one of two workers). With SO_REUSEPORT each
    worker listens on a socket of its own and the kernel spreads new connections
    over them. Only for TCP addresses with a fixed port, and not under socket
    activation (systemd, fd://), where the socket is not gunicorn's to make;
    GUNICORN_REUSE_PORT=0 turns it off.

    In a metrics directory the operator named, the samples of processes that are
    gone would add up: they go. A running process's stay, so that a webhook
    worker sharing the directory keeps counting into /metrics.
    """
    if (
        os.environ.get("GUNICORN_REUSE_PORT", "1") != "0"
        and all(
            isinstance(address, tuple) and address[1] for address in server.cfg.address
        )
        and not os.environ.get("LISTEN_FDS")
    ):
        server.cfg.set("reuse_port", True)
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if _own_metrics_dir is None:
        for name in os.listdir(directory):
            writer = _writer(name)
            if writer is not None and not _running(writer):
                os.unlink(os.path.join(directory, name))
    server.log.info("metrics samples in %s", directory)


def child_exit(server: Arbiter, worker: Worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server: Arbiter) -> None:
    """Refuse, before any worker starts, what only seems to work.

    Several workers without Redis would each count their own rate limits (30 a
    minute would mean 30 per worker). Without IDP_ISSUER the issuer and the endpoints in
    the metadata come from each request's Host header, which only loopback can
    trust.
    """
    app = server.app.wsgi()
    from idp import logs

    logs.configure(
        app.config.get("LOG_FORMAT", "text"),
        [*server.log.error_log.handlers, *server.log.access_log.handlers],
    )
    if server.cfg.workers > 1 and not app.config["REDIS_URL"]:
        _refuse(
            server,
            f"{server.cfg.workers} workers need IDP_REDIS_URL: without Redis, rate "
            "limits are per process. Set it, or run one worker.",
        )
    # With a socket per worker (reuse_port) the master holds none: its addresses.
    loopback = (
        all(map(_is_loopback, server.LISTENERS))
        if server.LISTENERS
        else all(map(_address_is_loopback, server.cfg.address))
    )
    if not app.config["ISSUER"] and not loopback:
        _refuse(
            server,
            "Serving beyond loopback needs IDP_ISSUER (https://idp.example.com): "
            "otherwise the issuer comes from each request's Host header.",
        )


def _writer(name: str) -> int | None:
    """The process id in a prometheus_client file name (counter_1234.db), if any."""
    stem, _, pid = name.removesuffix(".db").rpartition("_")
    return int(pid) if name.endswith(".db") and stem and pid.isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process, alive
    return True


def _is_loopback(listener: BaseSocket) -> bool:
    """The socket gunicorn listens on, however it came (bind, fd://, systemd)."""
    if listener.sock.family == socket.AF_UNIX:
        return True
    return ipaddress.ip_address(listener.sock.getsockname()[0]).is_loopback


def _address_is_loopback(address: tuple | str) -> bool:
    """A (host, port) bind address every one of whose resolutions is loopback."""
    if not isinstance(address, tuple):
        return isinstance(address, str)  # a unix socket path
    host = address[0] or "0.0.0.0"
    try:
        found = socket.getaddrinfo(host, address[1], proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return all(ipaddress.ip_address(entry[4][0]).is_loopback for entry in found)


def _refuse(server: Arbiter, message: str) -> None:
    server.log.error(message)
    server.halt(exit_status=1)
