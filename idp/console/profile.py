"""My profile: my personal access tokens, my API accounts, my rate limit.

The services check idp.accounts.permissions with the signed-in operator as both
actor and target, exactly as /api/v1/me does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from idp.console import bp
from idp.console import section
from idp.console.auth import current_operator
from idp.console.auth import screen
from idp.console.confirm import ask
from idp.console.forms import apply_error
from idp.console.refusals import refusal
from idp.console.templating import paginate
from idp.credentials import services
from idp.errors import DomainError
from idp.ratelimit import limiter

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from idp.accounts.models import Operator

section(_l("My profile"), "console.profile", order=80)


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=100)])
    expires_in_days = IntegerField(
        _l("Expires after (days, empty for never)"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
    )


@bp.get("/profile")
@screen()
def profile() -> ResponseReturnValue:
    me = current_operator()
    # htmx's Refresh button asks for the panel alone.
    partial = request.headers.get("HX-Request") == "true"
    return render_template(
        f"console/profile/{'_rate_limit' if partial else 'overview'}.html",
        window=limiter().peek(me.id, me.rate_limit),
    )


@bp.route("/profile/tokens", methods=["GET", "POST"])
@screen()
def profile_tokens() -> ResponseReturnValue:
    me = current_operator()
    form = TokenForm()
    if form.validate_on_submit():
        days = form.expires_in_days.data
        try:
            token, secret = services.issue_personal_access_token(
                me, me, name=form.name.data, expires_in=days * 86400 if days else None
            )
        except DomainError as error:
            apply_error(form, error, {"expires_in": form.expires_in_days})
        else:
            flash(_("Token %(name)s created.", name=token.name), "success")
            return show_secret(
                _("Personal access token"),
                secret,
                back=url_for("console.profile_tokens"),
            )
    return render_template(
        "console/profile/tokens.html",
        form=form,
        page=paginate(services.list_personal_access_tokens(me, me)),
    )


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@screen()
def profile_tokens_revoke(token_id: int) -> ResponseReturnValue:
    me = current_operator()
    if request.method == "POST":  # the CSRF token was checked before the view
        services.revoke_personal_access_token(me, me, token_id)
        flash(_("Token revoked."), "success")
        return redirect(url_for("console.profile_tokens"))
    token = next(
        (t for t in services.list_personal_access_tokens(me, me) if t.id == token_id),
        None,
    )
    if token is None:
        abort(404)
    return ask(
        title=_("Revoke the token %(name)s", name=token.name),
        question=_("Anything using this token stops working at once."),
        button=_("Revoke"),
        back=url_for("console.profile_tokens"),
    )


@bp.route("/profile/api-accounts", methods=["GET", "POST"])
@screen()
def profile_accounts() -> ResponseReturnValue:
    me = current_operator()
    if request.method == "POST":  # the CSRF token was checked before the view
        created = new_api_account(me, me, back=url_for("console.profile_accounts"))
        if created is not None:
            return created
    return render_template(
        "console/profile/accounts.html",
        page=paginate(services.list_api_accounts(me, me)),
    )


def new_api_account(actor: Operator, target: Operator, *, back: str) -> str | None:
    """Create an API account of ``target``: the one page showing its password.

    None when the service refuses; the refusal is flashed above the list.
    """
    try:
        account, password = services.create_api_account(actor, target)
    except DomainError as error:
        flash(refusal(error), "error")
        return None
    flash(_("API account created."), "success")
    return show_secret(
        _("Password of %(username)s", username=account.username),
        password,
        back=back,
        username=account.username,
    )


def show_secret(
    label: str, secret: str, *, back: str, username: str | None = None
) -> str:
    """The one page that ever shows ``secret`` (with its ``username``, if any)."""
    return render_template(
        "console/profile/secret.html",
        label=label,
        username=username,
        secret=secret,
        back=back,
    )


@bp.route("/profile/api-accounts/<username>/delete", methods=["GET", "POST"])
@screen()
def profile_accounts_delete(username: str) -> ResponseReturnValue:
    me = current_operator()
    if request.method == "POST":  # the CSRF token was checked before the view
        services.delete_api_account(me, me, username)
        flash(_("API account deleted."), "success")
        return redirect(url_for("console.profile_accounts"))
    return ask(
        title=_("Delete the API account %(username)s", username=username),
        question=_("Anything using this account stops working at once."),
        button=_("Delete"),
        back=url_for("console.profile_accounts"),
    )
