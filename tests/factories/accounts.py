"""Profiles and operators, made through the services."""

from __future__ import annotations

from flask import Flask

from idp.accounts import operators
from idp.accounts import profiles
from idp.accounts.models import Profile
from idp.extensions import db


def profile(app: Flask, **rights) -> int:
    """A profile named profile-1, profile-2... in the order this test makes them."""
    with app.app_context():
        named = Profile.name.startswith("profile-")
        made = db.session.query(Profile).filter(named).count()
        return profiles.create_profile(f"profile-{made + 1}", **rights).id


def operator(
    app: Flask,
    username: str = "alice",
    password: str | None = "correct horse",
    **kwargs,
) -> tuple[int, str | None]:
    """An operator with a profile of its own holding the rights named in kwargs."""
    rights = {
        key: kwargs.pop(key)
        for key in ("api_access", "manage_users", "manage_clients")
        if key in kwargs
    }
    profile_id = profile(app, **rights)
    with app.app_context():
        row, generated = operators.create_operator(
            username,
            profile=db.session.get(Profile, profile_id),
            password=password,
            **kwargs,
        )
        return row.id, password or generated
