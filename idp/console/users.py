"""Users: operators, their profile, state and rate limit.

Everything goes through the services the API uses; who may see or do what is
decided by idp.accounts.permissions (the services refuse what they must,
whatever the page offered). Each user's credentials have their own screens
(idp.console.user_credentials).
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

from idp.accounts import operators
from idp.accounts import profiles
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.permissions import Right
from idp.accounts.permissions import may_change
from idp.console import bp
from idp.console import section
from idp.console.auth import current_operator
from idp.console.auth import screen
from idp.console.forms import apply_error
from idp.console.profile import show_secret
from idp.console.templating import paginate
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
            SelectChoice(p.name, p.name) for p in profiles.list_profiles()
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


def operator_or_404(username: str) -> Operator:
    try:
        return operators.get_operator(username)
    except NotFound:
        abort(404)


@bp.get("/users")
@screen(Right.MANAGE_USERS)
def users() -> ResponseReturnValue:
    page = paginate(operators.list_operators())
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
            operator, generated = operators.create_operator(
                form.username.data,
                profile=profiles.get_profile(form.profile.data),
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
                return show_secret(
                    _("Password of %(username)s", username=operator.username),
                    generated,
                    back=url_for("console.users_show", username=operator.username),
                    username=operator.username,
                )
            return redirect(url_for("console.users_show", username=operator.username))
    return render_template("console/users/new.html", form=form)


@bp.route("/users/<username>", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_show(username: str) -> ResponseReturnValue:
    operator = operator_or_404(username)
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
            changes["profile"] = profiles.get_profile(form.profile.data)
        if form.active.data != operator.is_active:
            changes["is_active"] = form.active.data
        if (form.rate_limit.data or None) != operator.rate_limit:
            changes["rate_limit"] = form.rate_limit.data or ""
        try:
            if changes:
                operators.update_operator(operator, actor=current_operator(), **changes)
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
