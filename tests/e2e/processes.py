"""Real processes for the end-to-end tests: started bounded in time, always stopped.

Every process writes its stdout and stderr to a log file, so a failure can show what
the server said; each is started in a session of its own, so that stopping it also
stops the workers it forked.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).parents[2]
# The venv's scripts sit beside the interpreter that runs the tests.
BIN = Path(sys.executable).parent
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30.0
OUTPUT_TAIL = 4000


class ProcessFailed(AssertionError):
    """A process did not start, or a command did not succeed; the message has its output."""


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any IDP_ variable, plus ``variables``.

    idp refuses to start on an ``IDP_`` variable it does not know (such as the test
    suite's ``IDPTEST_POSTGRES``), and each process gets only its own settings.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    return {**env, **variables}


def run_command(
    args: Sequence[str], env: Mapping[str, str], *, stdin: str | None = None
) -> dict[str, Any]:
    """Run a `--json` command to completion and return the JSON object it printed."""
    try:
        result = subprocess.run(
            args,
            cwd=REPO,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProcessFailed(
            f"{' '.join(args[:3])} ran longer than {COMMAND_TIMEOUT}s\n"
            f"{exc.stdout}\n{exc.stderr}"
        ) from None
    if result.returncode != 0:
        raise ProcessFailed(
            f"{' '.join(args[:3])} exited with {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return json.loads(result.stdout)


class ServerProcess:
    """A server started by ``start``, ready once ``ready_path`` answers 200."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        port: int,
        log_path: Path,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.env = dict(env)
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str) -> ServerProcess:
        """Start the process and poll ``ready_path`` until 200, within START_TIMEOUT."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise ProcessFailed(
                    f"{self.name} exited with {self.process.returncode} while "
                    f"starting\n{self.output()}"
                )
            try:
                response = requests.get(self.url + ready_path, timeout=1)
            except requests.RequestException as exc:
                last = type(exc).__name__
            else:
                if response.status_code == 200:
                    return self
                last = f"{response.status_code} {response.text[:200]}"
            time.sleep(0.1)
        self.stop()
        raise ProcessFailed(
            f"{self.name} not ready at {ready_path} within {START_TIMEOUT}s "
            f"(last: {last})\n{self.output()}"
        )

    def stop(self) -> None:
        """Terminate, and kill the whole process group if it outlives STOP_TIMEOUT."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # The leader is alive and not yet reaped, so its group id is still
            # ours: kill the group, gunicorn's workers with their master.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)

    def output(self) -> str:
        """The tail of what the process wrote to stdout and stderr."""
        text = self.log_path.read_text(errors="replace")
        return f"--- {self.name} output ({self.log_path}) ---\n{text[-OUTPUT_TAIL:]}"


def start_idp(env: Mapping[str, str], log_dir: Path) -> ServerProcess:
    """idp under gunicorn with two workers, as in production; ready when /readyz is 200."""
    port = free_port()
    args = [str(BIN / "idp"), "serve", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    server = ServerProcess(
        "idp", args, env, port=port, log_path=log_dir / f"idp-{port}.log"
    )
    return server.start("/readyz")


def start_example_api(
    idp_url: str, client_id: str, client_secret: str, log_dir: Path
) -> ServerProcess:
    """The example API, started with the command clients/README.md documents."""
    port = free_port()
    env = clean_environment(
        IDP_URL=idp_url, IDP_CLIENT_ID=client_id, IDP_CLIENT_SECRET=client_secret
    )
    args = [
        str(BIN / "flask"),
        "--app",
        "clients/examples/app.py",
        "run",
        "--port",
        str(port),
    ]
    server = ServerProcess(
        "example API", args, env, port=port, log_path=log_dir / f"api-{port}.log"
    )
    return server.start("/healthz")
