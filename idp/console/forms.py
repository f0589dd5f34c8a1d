"""Form helpers: a service's refusal shown beside the field it concerns."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field

from idp.errors import DomainError


def apply_error(
    form: FlaskForm, error: DomainError, fields: dict[str, Field] | None = None
) -> None:
    """Put ``error`` on the field it names (``fields`` maps service names), else on top.

    Services refuse in one sentence, the same the API answers, so both say the same.
    """
    name = getattr(error, "field", None)
    field = (fields or {}).get(name) or (getattr(form, name, None) if name else None)
    if isinstance(field, Field):
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))
