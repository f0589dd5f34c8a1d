"""Console errors as pages in the console's language, never JSON or a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from idp.console import bp
from idp.console.refusals import refusal
from idp.errors import DomainError

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> ResponseReturnValue:
    return _page(
        400,
        _(
            "The form expired or did not come from this console. Reload it and try again."
        ),
    )


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> ResponseReturnValue:
    # A service's refusal: its sentence is the API's, written for the caller.
    return _page(error.status, refusal(error))


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    messages = {
        403: _("You may not open this page."),
        404: _("There is nothing here."),
    }
    return _page(error.code, messages.get(error.code, error.description))


def _page(status: int, message: str) -> tuple[str, int]:
    titles = {400: _("Bad request"), 403: _("Refused"), 404: _("Not found")}
    title = titles.get(status, _("Error"))
    return render_template("console/error.html", title=title, message=message), status


@bp.errorhandler(Exception)
def unexpected_error(error: Exception) -> ResponseReturnValue:
    current_app.logger.exception(
        "unhandled error on %s %s", request.method, request.path
    )
    return _page(500, _("Something went wrong; nothing was changed. Try again."))
