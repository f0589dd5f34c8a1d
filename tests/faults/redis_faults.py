"""A private redis-server, and a TCP proxy in front of it, whose faults tests choose."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """redis-server on a spare port, persisting only when told to (SAVE)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def dump(self) -> str:
        return os.path.join(self.directory, "dump.rdb")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", self.directory,
                "--dbfilename", "dump.rdb",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: nothing is saved on the way down."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()
            self.process = None

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def snapshot(self) -> str:
        """SAVE now and keep the file aside, as a backup would."""
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "SAVE"], check=True, capture_output=True
        )
        kept = os.path.join(self.directory, "snapshot.rdb")
        shutil.copyfile(self.dump, kept)
        return kept

    def restart(self, *, from_snapshot: str | None = None) -> None:
        """Kill, then start empty or from an older snapshot."""
        self.kill()
        if os.path.exists(self.dump):
            os.remove(self.dump)
        if from_snapshot:
            shutil.copyfile(from_snapshot, self.dump)
        self.start()


class Proxy:
    """Forwards TCP to Redis until cut: then every connection is dropped and new
    ones are held open without an answer, as behind a network partition."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._open = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def cut(self) -> None:
        with self._lock:
            self._open = False
            self._close_all()

    def heal(self) -> None:
        with self._lock:
            self._open = True
            self._close_all()

    def close(self) -> None:
        self.cut()
        self._listener.close()
        # A connection accepted while closing is held too: close it as well.
        self._acceptor.join(timeout=2)
        with self._lock:
            self._close_all()

    def _close_all(self) -> None:
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._sockets.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.append(client)
                if not self._open:
                    continue  # held, never answered
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.close()
            except OSError:
                pass
