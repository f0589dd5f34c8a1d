"""Webhooks (the owner only): endpoints, their events, Basic auth and extra headers.

A masked header's value and the Basic password are write-only: the form never
shows them, and leaving them empty keeps what is stored, as the API does.
"""

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
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import PasswordField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from idp.accounts.permissions import may_manage_webhooks
from idp.console import bp
from idp.console import section
from idp.console.auth import current_operator
from idp.console.auth import screen
from idp.console.confirm import ask
from idp.console.forms import apply_error
from idp.console.profile import show_secret
from idp.console.refusals import refusal
from idp.console.templating import paginate
from idp.errors import Conflict
from idp.errors import DomainError
from idp.webhooks import deliveries
from idp.webhooks import endpoints
from idp.webhooks import event_types

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from idp.events.models import WebhookEndpoint

section(_l("Webhooks"), "console.webhooks", may_manage_webhooks, order=60)

#: Empty header rows offered by the form, beside the stored ones.
SPARE_HEADERS = 2


class HeaderForm(Form):
    name = StringField(_l("Header name"), validators=[Optional(), Length(max=100)])
    value = StringField(_l("Value"), validators=[Optional(), Length(max=4000)])
    masked = BooleanField(_l("Mask (the value is never shown again)"))


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[InputRequired(), Length(max=2000)])
    description = StringField(_l("Description"), validators=[Length(max=500)])
    events = SelectMultipleField(
        _l("Events"),
        validators=[InputRequired()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    enabled = BooleanField(_l("Enabled"), default=True)
    basic_username = StringField(
        _l("Basic username"), validators=[Optional(), Length(max=200)]
    )
    basic_password = PasswordField(
        _l("Basic password"), validators=[Optional(), Length(max=500)]
    )
    headers = FieldList(FormField(HeaderForm), min_entries=SPARE_HEADERS)

    def settings(self, stored_masked: set[str]) -> dict:
        """The service's arguments; an empty masked value keeps the stored one."""
        headers = []
        for row in self.headers.entries:
            name = (row.form.name.data or "").strip()
            if not name:
                continue
            value = row.form.value.data or None
            masked = row.form.masked.data
            if value is None and not (masked and name.lower() in stored_masked):
                value = ""  # the service says the header needs a value
            headers.append({"name": name, "value": value, "masked": masked})
        basic = None
        if self.basic_username.data:
            basic = {
                "username": self.basic_username.data,
                "password": self.basic_password.data or None,
            }
        return {
            "url": self.url.data,
            "description": self.description.data or "",
            "events": self.events.data,
            "enabled": self.enabled.data,
            "basic_auth": basic,
            "headers": headers,
        }


def _form(endpoint: WebhookEndpoint | None = None) -> WebhookForm:
    me = current_operator()
    form = WebhookForm()
    form.events.choices = [("*", _("Every event"))] + [
        (event["name"], event["name"]) for event in event_types.list_event_types(me)
    ]
    if endpoint is not None and not form.is_submitted():
        form.url.data = endpoint.url
        form.description.data = endpoint.description
        form.events.data = endpoint.events
        form.enabled.data = endpoint.enabled
        basic = endpoints.public_basic_auth(endpoint)
        form.basic_username.data = basic["username"] if basic else ""
        shown = endpoints.public_headers(endpoint)
        while len(form.headers.entries) < len(shown) + SPARE_HEADERS:
            form.headers.append_entry()
        for row, header in zip(form.headers.entries, shown, strict=False):
            row.form.name.data = header["name"]
            row.form.value.data = header["value"] or ""
            row.form.masked.data = header["masked"]
    return form


def _masked_names(endpoint: WebhookEndpoint | None) -> set[str]:
    if endpoint is None:
        return set()
    return {h["name"].lower() for h in endpoint.headers if h["masked"]}


@bp.get("/webhooks")
@screen(may_manage_webhooks)
def webhooks() -> ResponseReturnValue:
    return render_template(
        "console/webhooks/list.html",
        page=paginate(endpoints.list_endpoints(current_operator())),
    )


@bp.route("/webhooks/new", methods=["GET", "POST"])
@screen(may_manage_webhooks)
def webhooks_new() -> ResponseReturnValue:
    form = _form()
    if form.validate_on_submit():
        try:
            _endpoint, secret = endpoints.create_endpoint(
                current_operator(), **form.settings(set())
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Webhook added."), "success")
            return show_secret(
                _("Signing secret"),
                secret,
                back=url_for("console.webhooks"),
            )
    return render_template("console/webhooks/form.html", form=form, endpoint=None)


@bp.route("/webhooks/<int:webhook_id>/edit", methods=["GET", "POST"])
@screen(may_manage_webhooks)
def webhooks_edit(webhook_id: int) -> ResponseReturnValue:
    me = current_operator()
    endpoint = endpoints.get_endpoint(me, webhook_id)
    form = _form(endpoint)
    if form.validate_on_submit():
        try:
            # An emptied Basic username removes Basic authentication.
            endpoints.update_endpoint(
                me, endpoint, **form.settings(_masked_names(endpoint))
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Webhook saved."), "success")
            return redirect(url_for("console.webhooks"))
    return render_template(
        "console/webhooks/form.html",
        form=form,
        endpoint=endpoint,
        masked=_masked_names(endpoint),
    )


@bp.route("/webhooks/<int:webhook_id>/delete", methods=["GET", "POST"])
@screen(may_manage_webhooks)
def webhooks_delete(webhook_id: int) -> ResponseReturnValue:
    me = current_operator()
    endpoint = endpoints.get_endpoint(me, webhook_id)
    if request.method == "POST":  # the CSRF token was checked before the view
        endpoints.delete_endpoint(me, endpoint)
        flash(_("Webhook deleted."), "success")
        return redirect(url_for("console.webhooks"))
    return ask(
        title=_("Delete the webhook to %(url)s", url=endpoint.url),
        question=_("Its delivery log goes with it. This cannot be undone."),
        button=_("Delete"),
        back=url_for("console.webhooks"),
    )


# -- deliveries, tests and the signing secret --------------------------------


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@screen(may_manage_webhooks)
def webhooks_deliveries(webhook_id: int) -> ResponseReturnValue:
    me = current_operator()
    return render_template(
        "console/webhooks/deliveries.html",
        endpoint=endpoints.get_endpoint(me, webhook_id),
        page=paginate(deliveries.list_deliveries(me, webhook_id)),
    )


@bp.get("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>")
@screen(may_manage_webhooks)
def webhooks_delivery(webhook_id: int, delivery_id: int) -> ResponseReturnValue:
    delivery = deliveries.get_delivery(current_operator(), webhook_id, delivery_id)
    return render_template(
        "console/webhooks/delivery.html",
        delivery=delivery,
        attempts=deliveries.attempts_of(delivery),
    )


@bp.post("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver")
@screen(may_manage_webhooks)
def webhooks_redeliver(webhook_id: int, delivery_id: int) -> ResponseReturnValue:
    try:
        deliveries.redeliver(current_operator(), webhook_id, delivery_id)
    except Conflict as error:
        flash(refusal(error), "error")
    else:
        flash(_("Delivery %(id)s queued again.", id=delivery_id), "success")
    return redirect(
        url_for(
            "console.webhooks_delivery",
            webhook_id=webhook_id,
            delivery_id=delivery_id,
        )
    )


@bp.post("/webhooks/<int:webhook_id>/test")
@screen(may_manage_webhooks)
def webhooks_test(webhook_id: int) -> ResponseReturnValue:
    try:
        deliveries.send_test(current_operator(), webhook_id)
    except Conflict as error:
        flash(refusal(error), "error")
    else:
        flash(_("A test event is on its way."), "success")
    return redirect(url_for("console.webhooks_deliveries", webhook_id=webhook_id))


@bp.route("/webhooks/<int:webhook_id>/rotate-secret", methods=["GET", "POST"])
@screen(may_manage_webhooks)
def webhooks_rotate(webhook_id: int) -> ResponseReturnValue:
    me = current_operator()
    endpoint = endpoints.get_endpoint(me, webhook_id)
    if request.method == "POST":  # the CSRF token was checked before the view
        _endpoint, secret = deliveries.rotate_secret(me, webhook_id)
        flash(_("New signing secret set."), "success")
        return show_secret(
            _("Signing secret"),
            secret,
            back=url_for("console.webhooks"),
        )
    return ask(
        title=_(
            "Rotate the signing secret of the webhook to %(url)s", url=endpoint.url
        ),
        question=_(
            "The old secret keeps signing for %(overlap)s, so that the receiver can "
            "switch over.",
            overlap=current_app.config["WEBHOOK_SECRET_OVERLAP"],
        ),
        button=_("Rotate the secret"),
        back=url_for("console.webhooks"),
    )
