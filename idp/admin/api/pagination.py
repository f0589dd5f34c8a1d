"""Pagination of list answers (flask-smorest's page/page_size and X-Pagination)."""

from __future__ import annotations

from collections.abc import Sequence


def paginated(items: Sequence, pagination_parameters) -> list:
    """The requested page of ``items``; the header tells the total."""
    pagination_parameters.item_count = len(items)
    start = pagination_parameters.first_item
    return list(items[start : start + pagination_parameters.page_size])
