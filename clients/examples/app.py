"""An example resource API protected by idp.

Start it against a running idp (the client must be allowed to introspect)::

    IDP_URL=http://127.0.0.1:5000 IDP_CLIENT_ID=tickets-api \\
    IDP_CLIENT_SECRET=... flask --app clients/examples/app.py run --port 5001
"""

import os
import time
from typing import Any

from flask import Flask
from flask import g

from idp_client.flask import IdpAuth
from idp_client.flask import current_principal
from idp_client.flask import public
from idp_client.flask import require_permission

ENVIRONMENT_KEYS = ("IDP_URL", "IDP_CLIENT_ID", "IDP_CLIENT_SECRET", "IDP_TIMEOUT")

TICKETS = [
    {"id": 1, "title": "Printer on fire", "owner": "alice", "status": "open"},
    {"id": 2, "title": "VPN drops every hour", "owner": "bob", "status": "open"},
    {"id": 3, "title": "New laptop for Carol", "owner": "carol", "status": "closed"},
]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the API from ``IDP_*`` environment variables, then ``config``."""
    app = Flask(__name__)
    app.config.update({k: os.environ[k] for k in ENVIRONMENT_KEYS if k in os.environ})
    app.config.update(config or {})
    IdpAuth(app)

    @app.get("/healthz")
    @public
    def healthz() -> dict[str, str]:
        """Liveness, open to load balancers without a credential."""
        return {"status": "ok"}

    @app.get("/api/dashboard")
    def dashboard() -> dict[str, Any]:
        """Some dashboard figures, and who is asking."""
        return {
            "caller": {
                "username": current_principal.username,
                "sub": current_principal.sub,
                "client_id": current_principal.client_id,
                "credential": current_principal.credential,
            },
            "open_tickets": sum(t["status"] == "open" for t in TICKETS),
            "generated_at": int(time.time()),
        }

    @app.get("/api/tickets")
    @require_permission("tickets", "inquire")
    def tickets() -> dict[str, Any]:
        """Tickets the caller may see: all of them, or only its own."""
        visible = TICKETS
        if g.idp_permission_level == "own":
            visible = [t for t in TICKETS if t["owner"] == current_principal.username]
        return {"tickets": visible, "level": g.idp_permission_level}

    return app
