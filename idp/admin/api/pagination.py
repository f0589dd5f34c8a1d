"""Pagination of list answers (flask-smorest's page/page_size and X-Pagination)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from idp.database import MAX_ID
from idp.database import Listing
from idp.errors import InvalidInput

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters


def paginated(listing: Listing, pagination_parameters: PaginationParameters) -> list:
    """The requested page of ``listing``; the header tells the total.

    A page whose first row lies past any id a database holds is refused, not
    sent to the database as an offset it cannot represent.
    """
    if pagination_parameters.first_item > MAX_ID:
        raise InvalidInput("The page is beyond any list's end.", field="page")
    pagination_parameters.item_count = listing.count()
    return listing.page(
        pagination_parameters.first_item, pagination_parameters.page_size
    )
