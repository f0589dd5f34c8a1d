"""What an operator's credentials become when the operator changes.

idp.accounts sits below every credential and imports none: it runs the hooks
this module registers (:func:`register`, when the app is built), in the
transaction of the operator's change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from idp.accounts import operators as operator_services
from idp.accounts import permissions
from idp.accounts.credential_kinds import CredentialKind
from idp.accounts.models import Operator
from idp.credentials.models import ApiAccount
from idp.credentials.models import ApiKey
from idp.credentials.models import OAuthToken
from idp.credentials.models import PersonalAccessToken
from idp.extensions import db
from idp.timeutil import utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable


def register() -> None:
    """Have operator changes end the credentials they must (idempotent)."""
    if end_credentials not in operator_services.DEACTIVATING:
        operator_services.DEACTIVATING.append(end_credentials)
    if recheck_credentials not in operator_services.RIGHTS_RAISED:
        operator_services.RIGHTS_RAISED.append(recheck_credentials)


def recheck_credentials(operators: Iterable[Operator]) -> None:
    """End API accounts and keys whose maker could not make them now.

    Called when rights may have risen: an admin who made a credential for a
    weaker operator must not, by a later raise, have lent more than it holds.
    Those made by the operator itself or by the idp command stay.
    """
    for operator in operators:
        for model, kind in (
            (ApiAccount, CredentialKind.API_ACCOUNT),
            (ApiKey, CredentialKind.API_KEY),
        ):
            made_by_others = select(model).where(
                model.operator_id == operator.id,
                model.made_by_id.is_not(None),
                model.made_by_id != operator.id,
            )
            for row in db.session.scalars(made_by_others).all():
                maker = db.session.get(Operator, row.made_by_id)
                if maker is None or not permissions.may(
                    maker, permissions.Action.CREATE, kind, operator
                ):
                    _end(row)


def _end(row: ApiAccount | ApiKey) -> None:
    if hasattr(row, "revoked_at"):
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    else:
        db.session.delete(row)


def end_credentials(operator: Operator) -> None:
    """Revoke every token and key of ``operator`` and delete its API accounts."""
    now = utcnow()
    mine = {"operator_id": operator.id}
    for model, column in (
        (OAuthToken, "access_revoked_at"),
        (OAuthToken, "refresh_revoked_at"),
        (PersonalAccessToken, "revoked_at"),
        (ApiKey, "revoked_at"),
    ):
        db.session.execute(
            update(model)
            .filter_by(**mine, **{column: None})
            .values({column: now})
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        delete(ApiAccount)
        .filter_by(**mine)
        .execution_options(synchronize_session=False)
    )
