"""A user's credentials: its personal access tokens, API accounts and API keys.

Everything goes through the services the API uses; who may see or do what is
decided by idp.accounts.permissions (``may`` only chooses which buttons to
offer; the services refuse the rest, whatever the page offered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort
from flask import flash
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.models import Operator
from idp.accounts.models import OperatorKind
from idp.accounts.permissions import Action
from idp.accounts.permissions import Right
from idp.accounts.permissions import may
from idp.console import bp
from idp.console.auth import current_operator
from idp.console.auth import screen
from idp.console.confirm import ask_then_act
from idp.console.forms import apply_error
from idp.console.profile import new_api_account
from idp.console.templating import paginate
from idp.console.users import KIND_LABELS
from idp.console.users import operator_or_404
from idp.credentials import services as credentials
from idp.errors import DomainError

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from idp.database import Listing


class KeyForm(FlaskForm):
    description = StringField(_l("Description"), validators=[Length(max=200)])


@bp.get("/users/<username>/tokens")
@screen(Right.MANAGE_USERS)
def users_tokens(username: str) -> ResponseReturnValue:
    operator = operator_or_404(username)
    return _credentials_page(
        "console/users/tokens.html",
        operator,
        CredentialKind.PERSONAL_ACCESS_TOKEN,
        credentials.list_personal_access_tokens(current_operator(), operator),
    )


@bp.route("/users/<username>/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_tokens_revoke(username: str, token_id: int) -> ResponseReturnValue:
    operator = operator_or_404(username)
    return ask_then_act(
        lambda: credentials.revoke_personal_access_token(
            current_operator(), operator, token_id
        ),
        done=_("Token revoked."),
        title=_("Revoke a token of %(username)s", username=username),
        question=_("Anything using this token stops working at once."),
        button=_("Revoke"),
        back=url_for("console.users_tokens", username=username),
    )


@bp.route("/users/<username>/api-accounts", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_accounts(username: str) -> ResponseReturnValue:
    operator = operator_or_404(username)
    if request.method == "POST":  # the CSRF token was checked before the view
        created = new_api_account(
            current_operator(),
            operator,
            back=url_for("console.users_accounts", username=username),
        )
        if created is not None:
            return created
    return _credentials_page(
        "console/users/accounts.html",
        operator,
        CredentialKind.API_ACCOUNT,
        credentials.list_api_accounts(current_operator(), operator),
    )


@bp.route("/users/<username>/api-accounts/<account>/delete", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_accounts_delete(username: str, account: str) -> ResponseReturnValue:
    operator = operator_or_404(username)
    return ask_then_act(
        lambda: credentials.delete_api_account(current_operator(), operator, account),
        done=_("API account deleted."),
        title=_("Delete the API account %(username)s", username=account),
        question=_("Anything using this account stops working at once."),
        button=_("Delete"),
        back=url_for("console.users_accounts", username=username),
    )


@bp.route("/users/<username>/api-keys", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_keys(username: str) -> ResponseReturnValue:
    operator = operator_or_404(username)
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
    return _credentials_page(
        "console/users/keys.html",
        operator,
        CredentialKind.API_KEY,
        credentials.list_api_keys(current_operator(), operator),
        form=form,
    )


@bp.route("/users/<username>/api-keys/<public_key>/revoke", methods=["GET", "POST"])
@screen(Right.MANAGE_USERS)
def users_keys_revoke(username: str, public_key: str) -> ResponseReturnValue:
    operator = operator_or_404(username)
    return ask_then_act(
        lambda: credentials.revoke_api_key(current_operator(), operator, public_key),
        done=_("API key revoked."),
        title=_("Revoke the API key %(key)s", key=public_key),
        question=_("Anything using this key stops working at once."),
        button=_("Revoke"),
        back=url_for("console.users_keys", username=username),
    )


def _credentials_page(
    template: str,
    operator: Operator,
    kind: CredentialKind,
    listing: Listing,
    **context: object,
) -> str:
    """A page of ``operator``'s credentials of ``kind``, and which buttons to offer.

    ``may`` only chooses the buttons; the service decides again on the click.
    """
    actor = current_operator()
    return render_template(
        template,
        operator=operator,
        kinds=KIND_LABELS,
        page=paginate(listing),
        may_create=may(actor, Action.CREATE, kind, operator),
        may_revoke=may(actor, Action.REVOKE, kind, operator),
        **context,
    )
