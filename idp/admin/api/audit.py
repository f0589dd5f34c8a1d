"""/api/v1/audit: who changed what (the owner and manage_users)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from idp.admin.api.auth import Right
from idp.admin.api.auth import require
from idp.admin.api.pagination import paginated
from idp.audit import log
from idp.audit.schemas import AuditFilterSchema
from idp.audit.schemas import AuditRecordSchema

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1",
    description="The audit log: every change made through the idp command, this API, "
    "the console and the revoking OAuth endpoints, with who, when, from where, and "
    "the non-secret fields before and after.",
)


@blp.route("/audit")
class Audit(MethodView):
    @require(Right.MANAGE_USERS)
    @blp.arguments(AuditFilterSchema, location="query", as_kwargs=True)
    @blp.response(200, AuditRecordSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters, **filters: Any) -> list:
        """List audit records, newest first"""
        return paginated(log.records(**filters), pagination_parameters)
