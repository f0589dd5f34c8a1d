"""The home page: how to get a token with curl from this very server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import render_template
from flask import url_for
from flask_babel import lazy_gettext as _l

from idp.console import bp
from idp.console import section
from idp.console.auth import current_operator
from idp.console.auth import screen
from idp.oauth.metadata import issuer

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

section(_l("Home"), "console.home", order=0)


@bp.get("")
@screen()
def home() -> ResponseReturnValue:
    base = issuer()
    return render_template(
        "console/home.html",
        token_url=base + url_for("oauth.token"),
        introspect_url=base + url_for("oauth.introspect"),
        username=current_operator().username,
    )
