"""Module permissions: the example API's tickets route needs tickets/inquire."""

from __future__ import annotations

import requests

from .actions import OAuthActions
from .actions import bearer
from .deployment import Operator
from .processes import ServerProcess


def test_operator_with_inquire_all_sees_every_ticket(
    example_api: ServerProcess, oauth: OAuthActions, operator: Operator
):
    """Level `all` is handed to the view, which shows every ticket."""
    token = oauth.login(operator)

    response = requests.get(
        f"{example_api.url}/api/tickets", headers=bearer(token), timeout=10
    )

    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "all"
    assert [ticket["id"] for ticket in body["tickets"]] == [1, 2, 3]


def test_operator_without_the_module_permission_gets_403(
    example_api: ServerProcess, oauth: OAuthActions, operator_without_tickets: Operator
):
    """Level `none` is refused with 403, though the same token serves other routes."""
    token = oauth.login(operator_without_tickets)

    refused = requests.get(
        f"{example_api.url}/api/tickets", headers=bearer(token), timeout=10
    )
    served = requests.get(
        f"{example_api.url}/api/dashboard", headers=bearer(token), timeout=10
    )

    assert refused.status_code == 403
    assert refused.json() == {
        "error": "insufficient_permission",
        "error_description": "This request needs the 'inquire' permission on 'tickets'.",
    }
    assert served.status_code == 200
