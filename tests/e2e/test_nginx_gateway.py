"""nginx in front of an API, enforcing idp's verdicts through `auth_request`.

nginx runs with the README's configuration (generated here on a spare port) in
front of an upstream that does no checking of its own: what reaches it was let
through by nginx on idp's word alone.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from .actions import OAuthActions
from .actions import bearer
from .deployment import Deployment
from .deployment import Operator
from .processes import ServerProcess
from .processes import free_port

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
LIMIT = 30

CONFIG = """
daemon off;
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /_idp_check {{
            internal;
            proxy_pass {idp}/oauth/check;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header Authorization $http_authorization;
            proxy_set_header X-Idp-Client-Authorization "Basic {gateway}";
        }}
        location / {{
            auth_request /_idp_check;
            auth_request_set $idp_status $upstream_status;
            auth_request_set $idp_retry_after $upstream_http_retry_after;
            auth_request_set $idp_user $upstream_http_x_idp_username;
            auth_request_set $idp_permissions $upstream_http_x_idp_permissions;
            error_page 500 = @idp_refused;
            proxy_set_header X-Idp-Username $idp_user;
            proxy_set_header X-Idp-Permissions $idp_permissions;
            proxy_pass http://127.0.0.1:{upstream};
        }}
        location @idp_refused {{
            if ($idp_status = 429) {{
                add_header Retry-After $idp_retry_after always;
                return 429;
            }}
            return 500;
        }}
    }}
}}
"""


class Upstream(BaseHTTPRequestHandler):
    """The protected API: answers with the username nginx passed on."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = (self.headers.get("X-Idp-Username") or "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture
def nginx(
    idp_server: ServerProcess, deployment: Deployment, upstream: int, tmp_path: Path
) -> Iterator[str]:
    if NGINX is None:
        message = "nginx is not installed (apt-get install nginx; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    client = deployment.resource_server
    port = free_port()
    config = tmp_path / "nginx.conf"
    config.write_text(
        CONFIG.format(
            user="user root;" if os.geteuid() == 0 else "",
            tmp=tmp_path,
            port=port,
            idp=idp_server.url,
            upstream=upstream,
            gateway=base64.b64encode(
                f"{client.client_id}:{client.secret}".encode()
            ).decode(),
        )
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()


def test_nginx_passes_thirty_calls_refuses_the_31st_and_a_revoked_token(
    nginx: str, oauth: OAuthActions, operator: Operator
):
    login = oauth.login(operator)
    headers = bearer(login)
    for _ in range(LIMIT):
        response = requests.get(f"{nginx}/api/tickets", headers=headers, timeout=10)
        assert response.status_code == 200
        assert response.text == operator.username  # idp's word, passed upstream

    refused = requests.get(f"{nginx}/api/tickets", headers=headers, timeout=10)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60

    other = oauth.login(operator)
    assert oauth.revoke(other["access_token"]).status_code == 200
    revoked = requests.get(f"{nginx}/api/tickets", headers=bearer(other), timeout=10)
    assert revoked.status_code == 401
    nobody = requests.get(f"{nginx}/api/tickets", timeout=10)
    assert nobody.status_code == 401
