"""A real Redis Cluster (three masters) and a Sentinel, on spare local ports.

Both run the machine's redis-server; `.ci/run` makes sure it is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import redis
from redis.cluster import RedisCluster

from tests.faults.redis_faults import free_port


def _server(directory: str, port: int, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", directory, *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _ask(port: int, *command: str):
    with redis.Redis(port=port, decode_responses=True) as client:
        return client.execute_command(*command)


def _wait(what: str, ready, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {seconds}s")


class LocalCluster:
    """Three masters, no replicas, in a temporary directory removed at :meth:`stop`."""

    def __init__(self, masters: int = 3) -> None:
        self.directory = tempfile.mkdtemp(prefix="idp-redis-cluster-")
        self.ports = [free_port() for _ in range(masters)]
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self) -> None:
        try:
            for port in self.ports:
                self.processes.append(
                    _server(
                        self.directory,
                        port,
                        "--cluster-enabled",
                        "yes",
                        "--cluster-port",
                        str(free_port()),
                        "--cluster-config-file",
                        f"nodes-{port}.conf",
                    )  # fmt: skip
                )
            for port in self.ports:
                _wait(f"redis-server :{port}", lambda port=port: _ask(port, "PING"))
            subprocess.run(
                ["redis-cli", "--cluster", "create",
                 *(f"127.0.0.1:{port}" for port in self.ports),
                 "--cluster-replicas", "0", "--cluster-yes"],
                check=True,
                capture_output=True,
                timeout=60,
            )  # fmt: skip
            for port in self.ports:
                _wait(
                    f"cluster state at :{port}",
                    lambda port=port: (
                        "cluster_state:ok" in _ask(port, "CLUSTER", "INFO")
                    ),
                )
        except BaseException:
            self.stop()
            raise

    def client(self) -> RedisCluster:
        return RedisCluster(host="127.0.0.1", port=self.ports[0])

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()
        self.processes = []
        shutil.rmtree(self.directory, ignore_errors=True)


class LocalSentinel:
    """One master and one sentinel watching it as ``service``."""

    def __init__(self, service: str = "idp") -> None:
        self.directory = tempfile.mkdtemp(prefix="idp-redis-sentinel-")
        self.service = service
        self.master_port = free_port()
        self.sentinel_port = free_port()
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{self.service}/0"

    def start(self) -> None:
        config = os.path.join(self.directory, "sentinel.conf")
        with open(config, "w") as file:
            file.write(
                f"port {self.sentinel_port}\nbind 127.0.0.1\n"
                f"sentinel monitor {self.service} 127.0.0.1 {self.master_port} 1\n"
            )
        try:
            self.processes.append(_server(self.directory, self.master_port))
            _wait("master", lambda: _ask(self.master_port, "PING"))
            self.processes.append(
                subprocess.Popen(
                    ["redis-server", config, "--sentinel"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            _wait(
                "sentinel",
                lambda: _ask(
                    self.sentinel_port,
                    "SENTINEL",
                    "GET-MASTER-ADDR-BY-NAME",
                    self.service,
                ),  # fmt: skip
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()
        self.processes = []
        shutil.rmtree(self.directory, ignore_errors=True)
