"""The modules whose add/edit/delete/inquire levels profiles carry.

They are rows in the database, so a server and the idp command cannot disagree
about an operator's permissions. Introspection reads them on every request, so
:func:`declared_modules` keeps them in this process's memory (idp.changes), and
every create and delete commits a change that makes every process forget them,
and every answer built with them.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select

from idp import names
from idp.accounts import permissions
from idp.accounts.models import ACTIONS
from idp.accounts.models import Level
from idp.accounts.models import Module
from idp.accounts.models import ModulePermission
from idp.accounts.models import Operator
from idp.accounts.models import Profile
from idp.audit.log import record
from idp.changes import reading
from idp.changes import writing
from idp.database import Listing
from idp.database import find
from idp.errors import Conflict
from idp.errors import found
from idp.extensions import db

_MEMORY_KEY = ("declared-modules",)
#: The change tag of the module list: every introspection answer carries it.
MODULES_TAG = writing.tag("modules", "all")


def declared_modules() -> tuple[str, ...]:
    """Every module's name, by name; no SQL while this process remembers them."""
    names_ = reading.recall(_MEMORY_KEY)
    if names_ is None:
        names_ = tuple(db.session.scalars(select(Module.name).order_by(Module.name)))
        reading.remember(_MEMORY_KEY, names_, (MODULES_TAG,))
    return names_


def list_modules(actor: Operator | None) -> Listing:
    permissions.require_manage_modules(actor)
    return Listing(select(Module).order_by(Module.name))


def create_module(actor: Operator | None, name: str) -> Module:
    """A new module; every profile's levels for it start at `none`."""
    permissions.require_manage_modules(actor)
    name = names.NAME.check(name, what="A module name", field="name", max_length=80)
    if find(Module, name=name) is not None:
        raise Conflict(f"A module named {name!r} already exists.")
    module = Module(name=name)
    db.session.add(module)
    record("module.created", f"module:{name}", after={"name": name})
    writing.commit(MODULES_TAG)
    return module


def delete_module(actor: Operator | None, name: str) -> None:
    """Forget a module no profile gives a level other than `none` on.

    Refused while one does: deleting it would silently take that level from
    every operator holding the profile.
    """
    permissions.require_manage_modules(actor)
    module = found(find(Module, name=name), f"No module named {name!r}.")
    in_use = (
        select(Profile.name)
        .join(ModulePermission)
        .where(
            ModulePermission.module == name,
            or_(
                *(getattr(ModulePermission, action) != Level.NONE for action in ACTIONS)
            ),
        )
    )
    users = db.session.scalars(in_use.order_by(Profile.name)).all()
    if users:
        raise Conflict(
            f"The module {name!r} is used by the profiles {', '.join(users)}; "
            "set their levels to none first."
        )
    db.session.execute(delete(ModulePermission).filter_by(module=name))
    db.session.delete(module)
    record("module.deleted", f"module:{name}", before={"name": name})
    writing.commit(MODULES_TAG)


def apply_configured(configured: list[str]) -> list[str]:
    """Create the modules of IDP_MODULES that do not exist yet; the new names."""
    wanted = [
        names.NAME.check(name, what="A module name", field="name", max_length=80)
        for name in configured
    ]
    existing = set(db.session.scalars(select(Module.name)))
    created = [name for name in dict.fromkeys(wanted) if name not in existing]
    for name in created:
        db.session.add(Module(name=name))
        record("module.created", f"module:{name}", after={"name": name})
    if created:
        writing.commit(MODULES_TAG)
    return created
