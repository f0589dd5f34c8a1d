"""/api/v1/modules: the modules profiles carry levels for (need manage_users)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import Blueprint

from idp.accounts import modules
from idp.accounts.schemas import ModuleCreateSchema
from idp.accounts.schemas import ModuleSchema
from idp.admin.api.auth import Right
from idp.admin.api.auth import current_operator
from idp.admin.api.auth import require
from idp.admin.api.pagination import paginated

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters

    from idp.accounts.models import Module

blp = Blueprint(
    "modules",
    __name__,
    url_prefix="/api/v1",
    description="Modules: the parts of the organisation's API whose add, edit, "
    "delete and inquire levels profiles carry.",
)


@blp.route("/modules")
class Modules(MethodView):
    @require(Right.MANAGE_USERS)
    @blp.response(200, ModuleSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters) -> list:
        """List modules"""
        return paginated(
            modules.list_modules(current_operator()), pagination_parameters
        )

    @require(Right.MANAGE_USERS)
    @blp.arguments(ModuleCreateSchema, example={"name": "tickets"})
    @blp.response(201, ModuleSchema)
    def post(self, data: dict) -> Module:
        """Declare a module; every profile's levels for it start at `none`"""
        return modules.create_module(current_operator(), data["name"])


@blp.route("/modules/<name>")
class ModuleByName(MethodView):
    @require(Right.MANAGE_USERS)
    @blp.response(204)
    def delete(self, name: str) -> None:
        """Forget a module; 409 while a profile gives a level on it"""
        modules.delete_module(current_operator(), name)
