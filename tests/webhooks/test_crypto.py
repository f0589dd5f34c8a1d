"""Secrets idp must send later are encrypted with a key from the configuration."""

from __future__ import annotations

import pytest
from flask import Flask

from idp.events import crypto


def _app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update({"ENCRYPTION_KEY": None, "SECRET_KEY": None, **config})
    return app


def test_a_value_round_trips_and_is_not_stored_in_clear():
    with _app(SECRET_KEY="k1").app_context():
        token = crypto.encrypt("hunter2")
        assert "hunter2" not in token
        assert crypto.decrypt(token) == "hunter2"


def test_another_secret_key_cannot_decrypt():
    with _app(SECRET_KEY="k1").app_context():
        token = crypto.encrypt("hunter2")
    with _app(SECRET_KEY="k2").app_context():
        with pytest.raises(crypto.Undecryptable):
            crypto.decrypt(token)


def test_an_encryption_key_set_later_still_reads_older_values():
    with _app(SECRET_KEY="k1").app_context():
        old = crypto.encrypt("hunter2")
    with _app(SECRET_KEY="k1", ENCRYPTION_KEY="e1").app_context():
        assert crypto.decrypt(old) == "hunter2"
        new = crypto.encrypt("hunter3")
    with _app(SECRET_KEY="other", ENCRYPTION_KEY="e1").app_context():
        assert crypto.decrypt(new) == "hunter3"


def test_encryption_keys_rotate_first_encrypts_all_decrypt():
    with _app(ENCRYPTION_KEY="e1").app_context():
        old = crypto.encrypt("hunter2")
    with _app(ENCRYPTION_KEY="e2,e1").app_context():
        assert crypto.decrypt(old) == "hunter2"
        new = crypto.encrypt("hunter3")
    with _app(ENCRYPTION_KEY="e2").app_context():
        assert crypto.decrypt(new) == "hunter3"


def test_without_any_key_nothing_is_stored():
    with _app().app_context():
        with pytest.raises(crypto.KeyMissing):
            crypto.encrypt("hunter2")
