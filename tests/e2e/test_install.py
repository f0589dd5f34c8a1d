"""idp installed as a package serves from any folder; its systemd units are valid.

The package is built and installed (not editable) into a venv of its own, whose
dependencies come from the test venv, and run from a folder with nothing of the
checkout in it: `idp init`, `idp operator create`, `idp serve`, the console's
pages and files, and the migrations all have to be in the installed package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.processes import REPO
from tests.e2e.processes import clean_environment
from tests.e2e.processes import free_port

UNITS = ["idp.service", "idp-webhooks.service"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv with idp built from this checkout and installed as a wheel."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": venv, "platbase": venv}))
    # Dependencies from the test venv, after the venv's own site-packages.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    build = subprocess.run(
        [
            str(venv / "bin" / "python"),  # the test venv's pip, for this venv
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--ignore-installed",
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    return venv


def test_the_installed_package_serves_from_an_unrelated_folder(installed, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    idp = str(installed / "bin" / "idp")
    env = clean_environment(
        IDP_DATABASE_URL=f"sqlite:///{folder / 'idp.sqlite3'}",
        IDP_SECRET_KEY="a-long-enough-secret-key-for-this-test-only",
    )
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import idp; print(idp.__file__)"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(installed)), where

    def run(*args: str) -> str:
        result = subprocess.run(
            [idp, *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("init")
    run("profile", "create", "admins", "--manage-users", "--manage-clients")
    assert "password" in run(
        "operator", "create", "alice", "--profile", "admins", "--owner"
    )

    port = free_port()
    server = subprocess.Popen(
        [idp, "serve", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "idp serve did not answer"
                time.sleep(0.2)
        assert health.status_code == 200
        sign_in = requests.get(f"{base}/console/sign-in", timeout=5)
        assert sign_in.status_code == 200 and "alice" not in sign_in.text
        french = requests.get(
            f"{base}/console/sign-in", headers={"Accept-Language": "fr"}, timeout=5
        )
        assert "Se connecter" in french.text or "Connexion" in french.text
        htmx = requests.get(f"{base}/console/static/htmx.min.js", timeout=5)
        assert htmx.status_code == 200 and len(htmx.content) > 10_000
        metadata = requests.get(
            f"{base}/.well-known/oauth-authorization-server", timeout=5
        )
        assert metadata.json()["token_endpoint"] == f"{base}/oauth/token"
    finally:
        server.terminate()
        server.wait(20)
        server.stderr.close()


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not here"
)
@pytest.mark.parametrize("unit", UNITS)
def test_the_systemd_units_verify(unit, tmp_path):
    """`systemd-analyze verify`, with the venv's idp where the unit says /opt/idp."""
    text = (REPO / "config" / unit).read_text()
    assert "/opt/idp/bin/idp " in text
    local = tmp_path / unit
    local.write_text(
        text.replace(
            "/opt/idp/bin/idp", str(Path(sys.executable).parent / "idp")
        ).replace("EnvironmentFile=/", "EnvironmentFile=-/")
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", str(local)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert unit not in result.stderr, result.stderr

    # The check itself can fail: a relative command is refused.
    broken = tmp_path / "broken" / unit
    broken.parent.mkdir()
    broken.write_text(
        local.read_text().replace(str(Path(sys.executable).parent / "idp"), "idp")
    )
    refused = subprocess.run(
        ["systemd-analyze", "verify", str(broken)], capture_output=True, text=True
    )
    assert refused.returncode != 0
