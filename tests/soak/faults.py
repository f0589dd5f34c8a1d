"""What the soak breaks: its own Redis, and a TCP proxy standing in for PostgreSQL.

The machine's PostgreSQL serves other work, so the soak never stops it: idp
reaches its database through :class:`Proxy`, which the soak cuts (connections
reset, new ones refused) or hangs (connections accepted, nothing forwarded), as
a crashed or a frozen server would look from idp.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

PASS, CUT, HANG = "pass", "cut", "hang"


class Proxy:
    """A loopback TCP proxy to ``target`` with three modes: pass, cut, hang."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = PASS
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, mode: str) -> None:
        """Switch mode; cutting resets every open connection at once."""
        with self._lock:
            self.mode = mode
            doomed = list(self._sockets) if mode == CUT else []
        for sock in doomed:
            _reset(sock)

    def close(self) -> None:
        self._closed = True
        self.set(CUT)
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == CUT:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == HANG:  # hold the bytes, as a frozen server does
                    time.sleep(0.05)
                if self.mode == CUT:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _reset(sock)
                with self._lock:
                    self._sockets.discard(sock)


def _reset(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class RedisServer:
    """A redis-server of the soak's own, on a spare port, with a snapshot file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def command(self, *args: str) -> str:
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()

    def snapshot(self) -> Path:
        """Save now and keep the file aside: the "older snapshot" restored later."""
        self.command("SAVE")
        kept = self.directory / "older.rdb"
        shutil.copy(self.directory / "dump.rdb", kept)
        return kept

    def kill(self, *, keep: Path | None = None) -> None:
        """SIGKILL; the next start loads ``keep`` if given, else starts empty."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        dump = self.directory / "dump.rdb"
        dump.unlink(missing_ok=True)
        if keep is not None:
            shutil.copy(keep, dump)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the children of its master process."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
