"""The web console at /console: server-rendered screens on the same services as /api/v1.

Each screen module adds its views to :data:`bp` with :func:`idp.console.auth.screen`,
which names the right it needs (decided by idp.accounts.permissions), and its
section of the navigation with :func:`section`. Nothing here decides who may do
what: the services do, as they do for the API.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint
from flask import Flask
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_wtf.csrf import CSRFProtect

from idp.accounts.permissions import Right

if TYPE_CHECKING:
    from flask import Response

HERE = os.path.dirname(__file__)
LOCALES = ("en", "fr")
LOCALE_COOKIE = "idp_locale"

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()

#: Every console page: only this origin's files, and never inside a frame.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Section:
    """An entry of the navigation, shown to operators ``right`` permits.

    ``right`` is a profile right or a rule of idp.accounts.permissions taking the
    operator, as :func:`idp.console.auth.screen` takes.
    """

    label: str
    endpoint: str
    right: Right | Callable | None = None
    order: int = 50


SECTIONS: list[Section] = []


def section(
    label: str, endpoint: str, right: Right | Callable | None = None, order: int = 50
) -> None:
    """Add a navigation entry (``label`` a lazy_gettext string)."""
    SECTIONS.append(Section(label, endpoint, right, order))
    SECTIONS.sort(key=lambda entry: entry.order)


def select_locale() -> str:
    """The language chosen on the page, else the browser's preference."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or LOCALES[0]


def init_app(app: Flask) -> None:
    # Imported for their routes; each registers on ``bp``.
    from idp.console import auth
    from idp.console import clients  # noqa: F401
    from idp.console import docs
    from idp.console import errors  # noqa: F401
    from idp.console import home  # noqa: F401
    from idp.console import profile  # noqa: F401
    from idp.console import roles  # noqa: F401
    from idp.console import templating
    from idp.console import user_credentials  # noqa: F401
    from idp.console import users  # noqa: F401
    from idp.console import webhooks  # noqa: F401

    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    # Only console forms are checked (in auth.before_request); OAuth endpoints
    # and /api authenticate every request and carry no cookie.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # The session's own lifetime bounds the token; the idle timeout ends both.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.update(
        SESSION_COOKIE_NAME="idp_session",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
    )
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(HERE, "translations")
    )
    app.session_interface = auth.ConsoleSessionInterface()
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    templating.init_app(app)
    app.register_blueprint(bp)
    app.add_url_rule("/", "root", lambda: redirect(url_for("console.home")))
    app.after_request(_console_headers)
    docs.init_app(app)


def _console_headers(response: Response) -> Response:
    if request.path.startswith("/console") or request.path == "/":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            # Pages may hold a secret shown once: never keep them.
            response.headers["Cache-Control"] = "no-store"
    return response
