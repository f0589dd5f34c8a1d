"""Form helpers: a service's refusal shown beside the field it concerns."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field

from idp.console.refusals import refusal
from idp.errors import DomainError


def apply_error(
    form: FlaskForm, error: DomainError, fields: dict[str, Field] | None = None
) -> None:
    """Put ``error`` on the field it names (``fields`` maps service names), else on top.

    Services refuse in one sentence, the same the API answers, so both say the same
    (in French, the console's translation of it: idp.console.refusals).
    """
    name = getattr(error, "field", None)
    field = (fields or {}).get(name) or (getattr(form, name, None) if name else None)
    if isinstance(field, Field):
        field.errors = [*field.errors, refusal(error)]
    else:
        form.form_errors.append(refusal(error))
