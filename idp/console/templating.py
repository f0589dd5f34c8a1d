"""What every console template can use: the operator, its sections, pages, dates."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import Flask
from flask import request
from flask import url_for
from flask_babel import format_datetime
from flask_babel import get_locale

from idp.console import SECTIONS
from idp.console.auth import current_operator
from idp.console.auth import permitted
from idp.database import Listing

#: The API's page sizes (flask-smorest's defaults).
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


@dataclass
class Page:
    """One page of a listing, read from ``page`` and ``page_size`` like the API."""

    items: list
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    def url(self, page: int) -> str:
        args = {**request.view_args, **request.args.to_dict()}
        args.update(page=page, page_size=self.page_size)
        return url_for(request.endpoint, **args)


def paginate(listing: Listing) -> Page:
    """The page of ``listing`` the query string asks for; bad numbers read as 1."""
    page = _positive(request.args.get("page"), 1)
    size = min(
        _positive(request.args.get("page_size"), DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE
    )
    total = listing.count()
    page = min(page, max(1, math.ceil(total / size)))
    return Page(listing.page((page - 1) * size, size), page, size, total)


def _positive(value: str | None, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 < number < 2**31 else default


def utc_iso(moment: dt.datetime | None) -> str:
    """A stored naive UTC time as ISO 8601 with Z, for the page's script."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else ""


def visible_sections() -> list:
    operator = current_operator()
    if operator is None:
        return []
    return [entry for entry in SECTIONS if permitted(operator, entry.right)]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_operator=current_operator,
        visible_sections=visible_sections,
        current_locale=lambda: str(get_locale() or "en"),
        utc_iso=utc_iso,
        # The server's rendering, in UTC; the page's script shows local time.
        format_utc=lambda moment: format_datetime(moment, "medium") + " UTC",
    )
