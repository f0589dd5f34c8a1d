"""Operators, profiles and per-module permission levels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.extensions import db
from idp.timeutil import utcnow


class OperatorKind(StrEnum):
    PERSON = "person"
    API_MEMBER = "api_member"


class Level(StrEnum):
    """How far a right on a module reaches."""

    NONE = "none"
    OWN = "own"
    ALL = "all"


ACTIONS = ("add", "edit", "delete", "inquire")


class Module(db.Model):
    """A part of the organisation's API whose levels profiles carry.

    Data, not configuration, so that every process (servers, the idp command)
    reports the same permissions.
    """

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Profile(db.Model):
    """A named set of rights (a role) given to operators."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    api_access: Mapped[bool] = mapped_column(default=True)
    manage_users: Mapped[bool] = mapped_column(default=False)
    manage_clients: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    modules: Mapped[list[ModulePermission]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin"
    )

    def permissions(self, declared_modules: Iterable[str]) -> dict:
        """The rights as introspection reports them; undeclared levels read `none`."""
        levels = {row.module: row.levels() for row in self.modules}
        none = dict.fromkeys(ACTIONS, Level.NONE.value)
        return {
            "api_access": self.api_access,
            "manage_users": self.manage_users,
            "manage_clients": self.manage_clients,
            "modules": {name: levels.get(name, none) for name in declared_modules},
        }


class ModulePermission(db.Model):
    """A profile's level for each action on one module."""

    __tablename__ = "module_permissions"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    module: Mapped[str] = mapped_column(String(80), primary_key=True)
    add: Mapped[str] = mapped_column(String(8), default=Level.NONE.value)
    edit: Mapped[str] = mapped_column(String(8), default=Level.NONE.value)
    delete: Mapped[str] = mapped_column(String(8), default=Level.NONE.value)
    inquire: Mapped[str] = mapped_column(String(8), default=Level.NONE.value)
    profile: Mapped[Profile] = relationship(back_populates="modules")

    def levels(self) -> dict[str, str]:
        return {action: getattr(self, action) for action in ACTIONS}


class Operator(db.Model):
    """An account that acts through the API: a person or a service (API member)."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=OperatorKind.PERSON.value)
    is_owner: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # In the `limits` notation; None means the configured default.
    rate_limit: Mapped[str | None] = mapped_column(String(40))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    profile: Mapped[Profile] = relationship(lazy="joined")

    def may_use_api(self) -> bool:
        """Whether any credential of this operator may work at all."""
        return self.is_active and self.profile.api_access

    def may_use_password_grant(self) -> bool:
        """Only people sign in with a password; an API member, a machine, holds
        API keys, which can be revoked one by one and never typed."""
        return self.may_use_api() and self.kind == OperatorKind.PERSON
