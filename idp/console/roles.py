"""Security roles: profiles, their rights and module grid, and the modules themselves.

Who may give which right or level is the services' decision
(idp.accounts.permissions); a refusal is shown as the form's message.
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
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length

from idp.accounts import modules as module_services
from idp.accounts import profiles
from idp.accounts.models import ACTIONS
from idp.accounts.models import Level
from idp.accounts.models import Profile
from idp.accounts.modules import declared_modules
from idp.accounts.permissions import Right
from idp.accounts.permissions import may_manage_modules
from idp.console import bp
from idp.console import section
from idp.console.auth import current_operator
from idp.console.auth import screen
from idp.console.confirm import ask
from idp.console.forms import apply_error
from idp.console.refusals import refusal
from idp.console.templating import paginate
from idp.errors import DomainError

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue
    from wtforms import Field

section(_l("Security roles"), "console.roles", Right.MANAGE_USERS, order=40)

ACTION_LABELS = {
    "add": _l("Add"),
    "edit": _l("Edit"),
    "delete": _l("Delete"),
    "inquire": _l("Inquire"),
}
LEVEL_CHOICES = [
    SelectChoice(Level.NONE.value, _l("None")),
    SelectChoice(Level.OWN.value, _l("Own")),
    SelectChoice(Level.ALL.value, _l("All")),
]
RIGHTS = ("api_access", "manage_users", "manage_clients")


class RightsForm(FlaskForm):
    api_access = BooleanField(_l("API access"))
    manage_users = BooleanField(_l("Manage users"))
    manage_clients = BooleanField(_l("Manage clients"))

    modules: tuple[str, ...] = ()

    def level(self, module: str, action: str) -> Field:
        return self[level_name(module, action)]

    def rights(self) -> dict[str, bool]:
        return {right: self[right].data for right in RIGHTS}

    def levels(self) -> dict[str, dict[str, str]]:
        return {
            module: {action: self.level(module, action).data for action in ACTIONS}
            for module in self.modules
        }


class RoleCreateForm(RightsForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=80)])


def level_name(module: str, action: str) -> str:
    """A module name never holds ':' (idp.names), so the pair reads back as one."""
    return f"{module}:{action}"


def role_form(base: type[RightsForm], **kwargs: Any) -> RightsForm:
    """``base`` with one select per declared module and action, starting at none."""
    modules = declared_modules()

    class RoleForm(base):
        pass

    RoleForm.modules = modules
    for module in modules:
        for action in ACTIONS:
            setattr(
                RoleForm,
                level_name(module, action),
                SelectField(
                    _l(
                        "%(module)s: %(action)s",
                        module=module,
                        action=ACTION_LABELS[action],
                    ),
                    choices=LEVEL_CHOICES,
                    default=Level.NONE.value,
                ),
            )
    return RoleForm(**kwargs)


@bp.get("/roles")
@screen(Right.MANAGE_USERS)
def roles() -> ResponseReturnValue:
    return _render("console/roles/list.html", page=paginate(profiles.list_profiles()))


@bp.route("/roles/new", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def roles_new() -> ResponseReturnValue:
    form = role_form(RoleCreateForm)
    if not form.is_submitted():
        form.api_access.data = True
    if form.validate_on_submit():
        try:
            profile = profiles.create_profile(
                form.name.data,
                modules=form.levels(),
                actor=current_operator(),
                **form.rights(),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Role %(name)s created.", name=profile.name), "success")
            return redirect(url_for("console.roles"))
    return _render("console/roles/form.html", form=form)


@bp.route("/roles/<name>/edit", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def roles_edit(name: str) -> ResponseReturnValue:
    profile = profiles.get_profile(name)
    form = role_form(RightsForm, obj=profile)
    if not form.is_submitted():
        _fill_levels(form, profile)
    if form.validate_on_submit():
        try:
            profiles.update_profile(
                profile,
                actor=current_operator(),
                modules=form.levels(),
                **form.rights(),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Role %(name)s saved.", name=profile.name), "success")
            return redirect(url_for("console.roles"))
    return _render("console/roles/form.html", form=form, profile=profile)


def _render(template: str, **context: Any) -> str:
    return render_template(
        template,
        actions=ACTIONS,
        action_labels=ACTION_LABELS,
        may_manage_modules=may_manage_modules(current_operator()),
        **context,
    )


def _fill_levels(form: RightsForm, profile: Profile) -> None:
    for module, levels in profile.permissions(form.modules)["modules"].items():
        for action, level in levels.items():
            form.level(module, action).data = level


# -- modules -----------------------------------------------------------------


class ModuleForm(FlaskForm):
    name = StringField(_l("Module name"), validators=[InputRequired(), Length(max=80)])


@bp.route("/roles/modules", methods=["GET", "POST"])
@screen(may_manage_modules)
def roles_modules() -> ResponseReturnValue:
    form = ModuleForm()
    if form.validate_on_submit():
        try:
            module = module_services.create_module(current_operator(), form.name.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Module %(name)s added.", name=module.name), "success")
            return redirect(url_for("console.roles_modules"))
    page = paginate(module_services.list_modules(current_operator()))
    return _render("console/roles/modules.html", form=form, page=page)


@bp.route("/roles/modules/<name>/delete", methods=["GET", "POST"])
@screen(may_manage_modules)
def roles_modules_delete(name: str) -> ResponseReturnValue:
    if request.method == "POST":  # the CSRF token was checked before the view
        try:
            module_services.delete_module(current_operator(), name)
        except DomainError as error:
            if error.status == 404:
                raise
            flash(refusal(error), "error")
        else:
            flash(_("Module %(name)s deleted.", name=name), "success")
        return redirect(url_for("console.roles_modules"))
    if name not in declared_modules():
        abort(404)
    return ask(
        title=_("Delete the module %(name)s", name=name),
        question=_(
            "Roles lose their levels on it. A module a role gives a level on cannot "
            "be deleted until that level is back to none."
        ),
        button=_("Delete"),
        back=url_for("console.roles_modules"),
    )
