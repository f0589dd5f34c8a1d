"""API access: register and manage OAuth clients (the manage_clients right)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from idp.accounts.permissions import Right
from idp.console import bp
from idp.console import section
from idp.console.auth import screen
from idp.console.confirm import ask
from idp.console.forms import apply_error
from idp.console.templating import paginate
from idp.credentials.models import SCOPE
from idp.errors import DomainError
from idp.oauth import clients as oauth_clients

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from idp.credentials.models import OAuthClient

section(_l("API access"), "console.clients", Right.MANAGE_CLIENTS, order=20)

HOURS = [InputRequired(), NumberRange(min=0, max=3650 * 24)]
MINUTES = [InputRequired(), NumberRange(min=0, max=59)]


class ClientSettingsForm(FlaskForm):
    """What may change on a client; lifetimes in hours and minutes."""

    # Each pair sits in a fieldset whose legend names the lifetime.
    access_hours = IntegerField(_l("Hours"), validators=HOURS)
    access_minutes = IntegerField(_l("Minutes"), validators=MINUTES)
    refresh_hours = IntegerField(_l("Hours"), validators=HOURS)
    refresh_minutes = IntegerField(_l("Minutes"), validators=MINUTES)
    password_grant = BooleanField(_l("May use the password grant"))
    refresh_tokens = BooleanField(_l("Gets refresh tokens"))
    may_introspect = BooleanField(_l("May introspect tokens (a resource server)"))
    may_publish_events = BooleanField(
        _l("May publish events to the webhooks (POST /api/v1/events)")
    )

    def settings(self) -> dict:
        return {
            "access_token_ttl": self.access_hours.data * 3600
            + self.access_minutes.data * 60,
            "refresh_token_ttl": self.refresh_hours.data * 3600
            + self.refresh_minutes.data * 60,
            "password_grant": self.password_grant.data,
            "refresh_tokens": self.refresh_tokens.data,
            "may_introspect": self.may_introspect.data,
            "may_publish_events": self.may_publish_events.data,
        }

    def fill(self, access_ttl: int, refresh_ttl: int) -> None:
        self.access_hours.data, self.access_minutes.data = _split(access_ttl)
        self.refresh_hours.data, self.refresh_minutes.data = _split(refresh_ttl)


class ClientCreateForm(ClientSettingsForm):
    client_id = StringField(
        _l("Client ID"), validators=[InputRequired(), Length(max=100)]
    )
    client_secret = StringField(
        _l("Client secret (leave empty to have one generated)"),
        validators=[Optional(), Length(max=500)],
    )


def _split(seconds: int) -> tuple[int, int]:
    """Hours and minutes of a lifetime (seconds below a minute are dropped)."""
    return seconds // 3600, seconds % 3600 // 60


def duration(seconds: int) -> str:
    hours, minutes = _split(seconds)
    return _("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)


@bp.get("/clients")
@screen(Right.MANAGE_CLIENTS)
def clients() -> ResponseReturnValue:
    return render_template(
        "console/clients/list.html",
        page=paginate(oauth_clients.list_clients()),
        duration=duration,
    )


@bp.route("/clients/new", methods=["GET", "POST"])
@screen(Right.MANAGE_CLIENTS)
def clients_new() -> ResponseReturnValue:
    form = ClientCreateForm()
    if not form.is_submitted():
        config = current_app.config
        form.fill(config["DEFAULT_ACCESS_TTL"], config["DEFAULT_REFRESH_TTL"])
        form.password_grant.data = form.refresh_tokens.data = True
    if form.validate_on_submit():
        try:
            client, secret = oauth_clients.register_client(
                form.client_id.data,
                secret=form.client_secret.data or None,
                **form.settings(),
            )
        except DomainError as error:
            apply_error(form, error, {"access_token_ttl": form.access_hours})
        else:
            return _show_secret(client, secret, _("Client registered."))
    return render_template("console/clients/form.html", form=form, scope=SCOPE)


@bp.route("/clients/<client_id>/edit", methods=["GET", "POST"])
@screen(Right.MANAGE_CLIENTS)
def clients_edit(client_id: str) -> ResponseReturnValue:
    client = oauth_clients.get_client(client_id)
    form = ClientSettingsForm(obj=client)
    if not form.is_submitted():
        form.fill(client.access_token_ttl, client.refresh_token_ttl)
    if form.validate_on_submit():
        try:
            oauth_clients.update_client(client, **form.settings())
        except DomainError as error:
            apply_error(form, error, {"access_token_ttl": form.access_hours})
        else:
            flash(_("Client %(id)s saved.", id=client.client_id), "success")
            return redirect(url_for("console.clients"))
    return render_template(
        "console/clients/form.html", form=form, client=client, scope=SCOPE
    )


@bp.route("/clients/<client_id>/rotate-secret", methods=["GET", "POST"])
@screen(Right.MANAGE_CLIENTS)
def clients_rotate(client_id: str) -> ResponseReturnValue:
    client = oauth_clients.get_client(client_id)
    if request.method == "POST":  # the CSRF token was checked before the view
        secret = oauth_clients.rotate_client_secret(client)
        return _show_secret(
            client, secret, _("New secret set; the old one no longer works.")
        )
    return ask(
        title=_("Rotate the secret of %(id)s", id=client.client_id),
        question=_(
            "Scripts and servers using the current secret stop working until they "
            "get the new one."
        ),
        button=_("Rotate the secret"),
        back=url_for("console.clients"),
    )


@bp.route("/clients/<client_id>/delete", methods=["GET", "POST"])
@screen(Right.MANAGE_CLIENTS)
def clients_delete(client_id: str) -> ResponseReturnValue:
    client = oauth_clients.get_client(client_id)
    if request.method == "POST":  # the CSRF token was checked before the view
        oauth_clients.delete_client(client)
        flash(_("Client %(id)s deleted.", id=client_id), "success")
        return redirect(url_for("console.clients"))
    return ask(
        title=_("Delete the client %(id)s", id=client.client_id),
        question=_(
            "Every token issued through this client stops working. This cannot be "
            "undone."
        ),
        button=_("Delete"),
        back=url_for("console.clients"),
    )


def _show_secret(client: OAuthClient, secret: str, message: str) -> str:
    """The one page that ever holds the secret; it is not kept anywhere."""
    flash(message, "success")
    return render_template("console/clients/secret.html", client=client, secret=secret)
