"""Service refusals shown in the console's language (idp.console.refusals)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import idp
from idp import names
from idp.accounts import permissions
from idp.accounts.credential_kinds import CredentialKind
from idp.console import refusals
from idp.errors import DomainError

REFUSING = {
    "DomainError",
    "InvalidInput",
    "Conflict",
    "NotFound",
    "Forbidden",
    "RefusedUrl",
    "PublishForbidden",
}


def service_sentences() -> list[tuple[str, str]]:
    """Every literal refusal a service raises, its values replaced by 'X'."""
    root = Path(idp.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if {"console", "admin", "migrations"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            message = node.args[0]
            if name not in REFUSING:
                continue
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                found.append((f"{path.name}:{node.lineno}", message.value))
            elif isinstance(message, ast.JoinedStr):
                text = "".join(
                    part.value if isinstance(part, ast.Constant) else "X"
                    for part in message.values
                )
                found.append((f"{path.name}:{node.lineno}", text))
    return found


def known(message: str) -> bool:
    return any(
        refusals._pattern(sentence).fullmatch(message)
        for sentence in refusals.SENTENCES
    )


def test_every_service_refusal_has_a_console_sentence():
    """A new refusal needs its sentence in idp/console/refusals.py, and French."""
    sentences = service_sentences()
    assert len(sentences) > 50
    missing = [(where, text) for where, text in sentences if not known(text)]
    assert missing == [], (
        "Add each to SENTENCES in idp/console/refusals.py (values as %(name)s), "
        f"then `make translations` and its French: {missing}"
    )


@pytest.fixture
def french(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        yield


@pytest.fixture
def english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_in_english_every_sentence_reads_as_the_service_wrote_it(english):
    for _, text in service_sentences():
        assert refusals.translate(text) == text


def _raised(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    ("call", "french_text"),
    [
        (
            lambda: names.NAME.check(
                "a b", what="A module name", field="name", max_length=80
            ),
            "Un nom de module ne contient que des lettres, chiffres et . _ @ + ~ -.",
        ),
        (
            lambda: names.CLIENT_ID.check(
                "x" * 9, what="A client ID", field="client_id", max_length=5
            ),
            "Un identifiant de client a au plus 5 caractères.",
        ),
        (
            lambda: permissions.refuse(
                permissions.Action.CREATE, CredentialKind.API_KEY
            ),
            "Vous ne pouvez pas créer les clés API de cet opérateur.",
        ),
        (
            lambda: permissions.require_grant(_Actor(), {"manage_clients": True}, {}),
            "Vous ne pouvez pas donner un droit ou un niveau que vous n'avez pas.",
        ),
    ],
    ids=["name-chars", "name-length", "credential-refusal", "grant"],
)
def test_real_refusals_read_in_french(french, call, french_text):
    assert refusals.refusal(_raised(call)) == french_text


def test_values_are_kept_and_unknown_sentences_pass_as_they_are(french):
    assert (
        refusals.translate("A module named 'tickets' already exists.")
        == "Un module nommé 'tickets' existe déjà."
    )
    assert refusals.translate("Something no service says.") == (
        "Something no service says."
    )
    # A name that is not one of idp's kinds of name stays English, whole.
    assert refusals.translate("Whatever is empty.") == "Whatever is empty."


class _Actor:
    """An admin with manage_users alone."""

    is_owner = False
    profile = type(
        "P", (), {"manage_users": True, "manage_clients": False, "modules": []}
    )()


# -- in the console ------------------------------------------------------------


@pytest.mark.config(MODULES=["tickets"])
def test_a_refused_grant_is_a_french_form_message(console):
    console.operator("admin", manage_users=True)
    console.sign_in("admin")
    console.post("/console/language", {"locale": "fr", "next": "/console"})

    response = console.post(
        "/console/roles/new", {"name": "support", "manage_clients": "y"}
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Vous ne pouvez pas donner un droit ou un niveau que vous n&#39;avez pas."
        in html
    )


def test_a_taken_client_id_is_refused_in_french(console):
    console.operator(manage_clients=True)
    console.oauth.oauth_client("nightly-export")
    console.sign_in()
    console.post("/console/language", {"locale": "fr", "next": "/console"})

    response = console.post(
        "/console/clients/new",
        {
            "client_id": "nightly-export",
            "access_hours": "1",
            "access_minutes": "0",
            "refresh_hours": "1",
            "refresh_minutes": "0",
        },
    )

    html = response.get_data(as_text=True)
    assert "Un client &#39;nightly-export&#39; existe déjà." in html
