"""The two halves of a button that asks first: the question page, then the act."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from idp.console.refusals import refusal
from idp.errors import DomainError

if TYPE_CHECKING:
    from collections.abc import Callable

    from werkzeug.wrappers import Response


def ask(*, title: str, question: str, button: str, back: str) -> str:
    """The page asking ``question``; its button posts back to the view that asked."""
    return render_template(
        "console/confirm.html",
        title=title,
        question=question,
        button=button,
        action=url_for(request.endpoint or "", **(request.view_args or {})),
        cancel=back,
    )


def ask_then_act(
    do: Callable[[], object],
    *,
    done: str,
    title: str,
    question: str,
    button: str,
    back: str,
) -> str | Response:
    """Ask on a GET; on the POST its button sends, ``do`` it and go ``back``.

    The CSRF token was checked before the view. A service's refusal is flashed
    in place of ``done``.
    """
    if request.method != "POST":
        return ask(title=title, question=question, button=button, back=back)
    try:
        do()
    except DomainError as error:
        flash(refusal(error), "error")
    else:
        flash(done, "success")
    return redirect(back)
