"""idp: an OAuth 2.0 authorization server and identity component."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(config: dict[str, Any] | None = None, *, serving: bool = True) -> Flask:
    """Build an app: configuration, then each part registering itself.

    ``serving=False`` is for the `idp` command, which needs no secret key.
    """
    from idp import cli
    from idp import config as configuration
    from idp import console
    from idp import database
    from idp import errors
    from idp import headers
    from idp import health
    from idp import inputs
    from idp import logs
    from idp import metrics
    from idp import oauth
    from idp import ratelimit
    from idp import store
    from idp.admin import api as admin_api
    from idp.changes import memory
    from idp.credentials import holders as credential_holders
    from idp.credentials import views as credential_views

    app = Flask(__name__, instance_relative_config=True)
    configuration.load_config(app, config, serving=serving)
    if proxies := int(app.config["TRUSTED_PROXIES"]):
        # TLS usually ends at a proxy; Authlib refuses plain http off loopback.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    logs.init_app(app)
    inputs.init_app(app)
    headers.init_app(app)
    # Every model, so that metadata and migrations see them; idp.database,
    # which every domain uses, imports none.
    from idp.accounts import models as _accounts  # noqa: F401
    from idp.audit import models as _audit  # noqa: F401
    from idp.changes import writing as _changes  # noqa: F401
    from idp.credentials import models as _credentials  # noqa: F401
    from idp.events import models as _events  # noqa: F401

    database.init_app(app)
    memory.init_app(app)
    credential_holders.register()
    store.init_app(app)
    ratelimit.init_app(app, serving=serving)
    oauth.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(credential_views.bp)
    errors.register_error_handlers(app)
    admin_api.init_app(app)
    console.init_app(app)
    cli.init_app(app)
    return app
