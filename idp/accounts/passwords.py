"""Operators' passwords: setting one, and checking one at sign-in. Only services commit."""

from __future__ import annotations

from flask import has_request_context
from flask import request

from idp import metrics
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.audit.log import record
from idp.database import find
from idp.errors import InvalidInput
from idp.extensions import db
from idp.ratelimit import login_throttle
from idp.security import hash_password
from idp.security import verify_password


def set_password(operator: Operator, password: str) -> None:
    if operator.kind != OperatorKind.PERSON:
        raise InvalidInput("An API member has no password; it uses API keys.")
    if not password:
        raise InvalidInput("The password is empty.")
    operator.password_hash = hash_password(password)
    record("operator.password_set", f"operator:{operator.username}")
    db.session.commit()


def verify_operator_password(
    username: str, password: str, source: str | None = None
) -> Operator | None:
    """The operator with these credentials, or None, in the same time either way.

    Failures slow further attempts from the same source for the same username
    (:class:`idp.ratelimit.LoginThrottle`); a delayed attempt answers like a wrong
    password. ``source`` defaults to the request's address.
    """
    if source is None and has_request_context():
        source = request.remote_addr
    operator = find(Operator, username=username)
    new_hash = None

    def verify() -> bool:
        nonlocal new_hash
        ok, new_hash = verify_password(operator and operator.password_hash, password)
        return ok

    if not login_throttle().attempt(username, source, verify):
        metrics.LOGIN_FAILURES.inc()
        return None
    if new_hash:
        operator.password_hash = new_hash
        db.session.commit()
    return operator
