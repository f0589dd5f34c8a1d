"""Pagination of list answers (flask-smorest's page/page_size and X-Pagination)."""

from __future__ import annotations

from idp.database import Listing


def paginated(listing: Listing, pagination_parameters) -> list:
    """The requested page of ``listing``; the header tells the total."""
    pagination_parameters.item_count = listing.count()
    return listing.page(
        pagination_parameters.first_item, pagination_parameters.page_size
    )
