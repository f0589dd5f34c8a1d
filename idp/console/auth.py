"""Console sign-in and sessions.

The session is Flask's signed cookie holding the operator's id and two times
(signed in, last seen). On every request the operator is read again: an operator
deactivated, stripped of api_access or deleted is signed out at once.
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from idp.accounts import passwords
from idp.accounts.models import Operator
from idp.accounts.permissions import Right
from idp.accounts.permissions import has_right
from idp.accounts.permissions import may_sign_in
from idp.audit.log import acting
from idp.console import LOCALE_COOKIE
from idp.console import LOCALES
from idp.console import bp
from idp.console import csrf
from idp.extensions import db

if TYPE_CHECKING:
    from flask import Flask
    from flask import Request
    from flask.sessions import SessionMixin
    from flask.typing import ResponseReturnValue

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: Views anyone may open.
PUBLIC_ENDPOINTS = {"console.sign_in", "console.static", "console.language"}


#: The paths whose views read the console's session: the console itself and the
#: API documentation it signs people in to. Elsewhere (the OAuth endpoints, the
#: API: the hot path) no session is opened and no cookie is read or set.
SESSION_PATHS = ("/console", "/docs", "/openapi.json")


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` everywhere but on loopback over http."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if not request.path.startswith(SESSION_PATHS):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        host = urlsplit(request.host_url).hostname
        return request.is_secure or host not in LOOPBACK_HOSTS


class SignInForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[InputRequired(), Length(max=150)]
    )
    password = PasswordField(_l("Password"), validators=[InputRequired()])


def current_operator() -> Operator | None:
    return g.get("console_operator")


@bp.before_request
def check_session() -> ResponseReturnValue | None:
    """CSRF on every change; a signed-in operator that may still sign in."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    g.console_operator = session_operator()
    if g.console_operator is not None:
        acting("operator", g.console_operator.username)
    if g.console_operator is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
    return None


def session_operator() -> Operator | None:
    """The operator of a live session, ending the session when it is over."""
    operator_id = session.get("operator_id")
    if operator_id is None:
        return None
    config = current_app.config
    now = time.time()
    expired = (
        now - session.get("signed_in_at", 0) > config["CONSOLE_SESSION_HOURS"] * 3600
        or now - session.get("seen_at", 0) > config["CONSOLE_IDLE_MINUTES"] * 60
    )
    operator = db.session.get(Operator, operator_id)
    if expired or operator is None or not may_sign_in(operator):
        session.clear()
        return None
    session["seen_at"] = int(now)
    return operator


#: What a screen needs: a profile right, or a rule of idp.accounts.permissions
#: taking the operator (``permissions.may_manage_webhooks``).
Rule = Right | Callable[[Operator], bool] | None


def permitted(operator: Operator, rule: Rule) -> bool:
    if rule is None:
        return True
    if isinstance(rule, Right):
        return has_right(operator, rule)
    return rule(operator)


def screen(right: Rule = None) -> Callable:
    """A view for signed-in operators; with ``right``, only those it permits."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            operator = current_operator()
            if operator is None:
                return redirect(url_for("console.sign_in"))
            if not permitted(operator, right):
                abort(403)
            return view(*args, **kwargs)

        wrapper.console_right = right
        return wrapper

    return decorate


def _safe_next(target: str | None) -> str:
    """Only a path of this console, never another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        if "\\" not in target:
            return target
    return url_for("console.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Username and password; every failure gets the same answer."""
    if current_operator() is not None:
        return redirect(url_for("console.home"))
    form = SignInForm()
    if form.validate_on_submit():
        operator = passwords.verify_operator_password(
            form.username.data, form.password.data
        )
        if operator is not None and may_sign_in(operator):
            # A new session: nothing of the signed-out one survives, the CSRF
            # token included.
            session.clear()
            now = int(time.time())
            session.update(
                operator_id=operator.id,
                signed_in_at=now,
                seen_at=now,
                nonce=secrets.token_urlsafe(8),
            )
            session.permanent = False
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [_("Invalid username or password.")]
        return render_template("console/sign_in.html", form=form), 401
    return render_template("console/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("console.sign_in"))


@bp.post("/language")
def language() -> ResponseReturnValue:
    """Remember the chosen language in a cookie, which outlives sign-out."""
    chosen = request.form.get("locale")
    response = redirect(_safe_next(request.form.get("next")))
    if chosen in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.session_interface.get_cookie_secure(current_app),
        )
    return response
