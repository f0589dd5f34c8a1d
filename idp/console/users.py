"""Users: operators, and the tokens, API accounts and API keys of each.

Everything goes through the services the API uses; who may see or do what is
decided by idp.accounts.permissions (``may`` only chooses which buttons to
offer; the services refuse the rest, whatever the page offered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from idp.accounts import services as accounts
from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.permissions import Action
from idp.accounts.permissions import Right
from idp.accounts.permissions import may
from idp.accounts.permissions import may_change
from idp.console import bp
from idp.console import section
from idp.console.auth import current_operator
from idp.console.auth import screen
from idp.console.forms import apply_error
from idp.console.refusals import refusal
from idp.console.templating import paginate
from idp.credentials import services as credentials
from idp.credentials.usage import last_activity
from idp.errors import DomainError
from idp.errors import NotFound

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

section(_l("Users"), "console.users", Right.MANAGE_USERS, order=30)

KIND_LABELS = {
    OperatorKind.PERSON.value: _l("Person"),
    OperatorKind.API_MEMBER.value: _l("API member"),
}


class OperatorForm(FlaskForm):
    """What may change on an operator."""

    profile = SelectField(_l("Security role"), validators=[InputRequired()])
    active = BooleanField(_l("Active"))
    rate_limit = StringField(
        _l("Rate limit (empty for the default)"),
        validators=[Optional(), Length(max=40)],
        render_kw={"placeholder": "120/minute"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile.choices = [
            SelectChoice(p.name, p.name) for p in accounts.list_profiles()
        ]


class OperatorCreateForm(OperatorForm):
    active = None  # a new operator is active, as over the API
    username = StringField(
        _l("Username"), validators=[InputRequired(), Length(max=150)]
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
        default=OperatorKind.PERSON.value,
    )
    password = PasswordField(
        _l("Password (people only; leave empty to have one generated)"),
        validators=[Optional(), Length(max=1000)],
    )


class KeyForm(FlaskForm):
    description = StringField(_l("Description"), validators=[Length(max=200)])


def _operator(username: str) -> Operator:
    try:
        return accounts.get_operator(username)
    except NotFound:
        abort(404)


@bp.get("/users")
@screen(Right.MANAGE_USERS)
def users() -> ResponseReturnValue:
    page = paginate(accounts.list_operators())
    return render_template(
        "console/users/list.html",
        page=page,
        kinds=KIND_LABELS,
        activity=last_activity(operator.id for operator in page.items),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_new() -> ResponseReturnValue:
    form = OperatorCreateForm()
    if form.validate_on_submit():
        try:
            operator, generated = accounts.create_operator(
                form.username.data,
                profile=accounts.get_profile(form.profile.data),
                password=form.password.data or None,
                kind=form.kind.data,
                rate_limit=form.rate_limit.data or None,
                actor=current_operator(),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("User %(name)s created.", name=operator.username), "success")
            if generated:
                return render_template(
                    "console/profile/secret.html",
                    label=_("Password of %(username)s", username=operator.username),
                    username=operator.username,
                    secret=generated,
                    back=url_for("console.users_show", username=operator.username),
                )
            return redirect(url_for("console.users_show", username=operator.username))
    return render_template("console/users/new.html", form=form)


@bp.route("/users/<username>", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_show(username: str) -> ResponseReturnValue:
    operator = _operator(username)
    form = OperatorForm(
        data={
            "profile": operator.profile.name,
            "active": operator.is_active,
            "rate_limit": operator.rate_limit or "",
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        changes = {}
        if form.profile.data != operator.profile.name:
            changes["profile"] = accounts.get_profile(form.profile.data)
        if form.active.data != operator.is_active:
            changes["is_active"] = form.active.data
        if (form.rate_limit.data or None) != operator.rate_limit:
            changes["rate_limit"] = form.rate_limit.data or ""
        try:
            if changes:
                accounts.update_operator(operator, actor=current_operator(), **changes)
        except DomainError as error:
            apply_error(form, error, {"profile": form.profile})
        else:
            flash(_("User %(name)s saved.", name=operator.username), "success")
            return redirect(url_for("console.users_show", username=username))
    return render_template(
        "console/users/settings.html",
        operator=operator,
        form=form,
        kinds=KIND_LABELS,
        may_edit=may_change(current_operator(), owner_affected=operator.is_owner),
    )


# -- personal access tokens --------------------------------------------------


@bp.get("/users/<username>/tokens")
@screen(Right.MANAGE_USERS)
def users_tokens(username: str) -> ResponseReturnValue:
    operator = _operator(username)
    return render_template(
        "console/users/tokens.html",
        operator=operator,
        kinds=KIND_LABELS,
        page=paginate(
            credentials.list_personal_access_tokens(current_operator(), operator)
        ),
        may_revoke=_may(Action.REVOKE, CredentialKind.PERSONAL_ACCESS_TOKEN, operator),
    )


@bp.route("/users/<username>/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_tokens_revoke(username: str, token_id: int) -> ResponseReturnValue:
    operator = _operator(username)
    back = url_for("console.users_tokens", username=username)
    if request.method == "POST":  # the CSRF token was checked before the view
        try:
            credentials.revoke_personal_access_token(
                current_operator(), operator, token_id
            )
        except DomainError as error:
            flash(refusal(error), "error")
        else:
            flash(_("Token revoked."), "success")
        return redirect(back)
    return render_template(
        "console/confirm.html",
        title=_("Revoke a token of %(username)s", username=username),
        question=_("Anything using this token stops working at once."),
        button=_("Revoke"),
        action=url_for(
            "console.users_tokens_revoke", username=username, token_id=token_id
        ),
        cancel=back,
    )


# -- API management: API accounts --------------------------------------------


@bp.route("/users/<username>/api-accounts", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_accounts(username: str) -> ResponseReturnValue:
    operator = _operator(username)
    if request.method == "POST":  # the CSRF token was checked before the view
        try:
            account, password = credentials.create_api_account(
                current_operator(), operator
            )
        except DomainError as error:
            flash(refusal(error), "error")
        else:
            flash(_("API account created."), "success")
            return render_template(
                "console/profile/secret.html",
                label=_("Password of %(username)s", username=account.username),
                username=account.username,
                secret=password,
                back=url_for("console.users_accounts", username=username),
            )
    return render_template(
        "console/users/accounts.html",
        operator=operator,
        kinds=KIND_LABELS,
        page=paginate(credentials.list_api_accounts(current_operator(), operator)),
        may_create=_may(Action.CREATE, CredentialKind.API_ACCOUNT, operator),
        may_revoke=_may(Action.REVOKE, CredentialKind.API_ACCOUNT, operator),
    )


@bp.route("/users/<username>/api-accounts/<account>/delete", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_accounts_delete(username: str, account: str) -> ResponseReturnValue:
    operator = _operator(username)
    back = url_for("console.users_accounts", username=username)
    if request.method == "POST":  # the CSRF token was checked before the view
        try:
            credentials.delete_api_account(current_operator(), operator, account)
        except DomainError as error:
            flash(refusal(error), "error")
        else:
            flash(_("API account deleted."), "success")
        return redirect(back)
    return render_template(
        "console/confirm.html",
        title=_("Delete the API account %(username)s", username=account),
        question=_("Anything using this account stops working at once."),
        button=_("Delete"),
        action=url_for(
            "console.users_accounts_delete", username=username, account=account
        ),
        cancel=back,
    )


# -- API keys of API members -------------------------------------------------


@bp.route("/users/<username>/api-keys", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_keys(username: str) -> ResponseReturnValue:
    operator = _operator(username)
    if operator.kind != OperatorKind.API_MEMBER:
        abort(404)
    form = KeyForm()
    if form.validate_on_submit():
        try:
            key, private_key = credentials.create_api_key(
                current_operator(), operator, description=form.description.data or ""
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("API key created."), "success")
            return render_template(
                "console/users/key_created.html",
                operator=operator,
                public_key=key.public_key,
                private_key=private_key,
            )
    return render_template(
        "console/users/keys.html",
        operator=operator,
        kinds=KIND_LABELS,
        form=form,
        page=paginate(credentials.list_api_keys(current_operator(), operator)),
        may_create=_may(Action.CREATE, CredentialKind.API_KEY, operator),
        may_revoke=_may(Action.REVOKE, CredentialKind.API_KEY, operator),
    )


@bp.route("/users/<username>/api-keys/<public_key>/revoke", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_keys_revoke(username: str, public_key: str) -> ResponseReturnValue:
    operator = _operator(username)
    back = url_for("console.users_keys", username=username)
    if request.method == "POST":  # the CSRF token was checked before the view
        try:
            credentials.revoke_api_key(current_operator(), operator, public_key)
        except DomainError as error:
            flash(refusal(error), "error")
        else:
            flash(_("API key revoked."), "success")
        return redirect(back)
    return render_template(
        "console/confirm.html",
        title=_("Revoke the API key %(key)s", key=public_key),
        question=_("Anything using this key stops working at once."),
        button=_("Revoke"),
        action=url_for(
            "console.users_keys_revoke", username=username, public_key=public_key
        ),
        cancel=back,
    )


def _may(action: Action, kind: CredentialKind, target: Operator) -> bool:
    """Whether to offer the button; the service decides again on the click."""
    return may(current_operator(), action, kind, target)
