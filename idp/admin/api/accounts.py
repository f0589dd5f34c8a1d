"""/api/v1/profiles and /api/v1/operators (need manage_users), and /api/v1/me."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.views import MethodView
from flask_smorest import Blueprint

from idp.accounts import operators
from idp.accounts import profiles
from idp.accounts.schemas import OperatorCreatedSchema
from idp.accounts.schemas import OperatorCreateSchema
from idp.accounts.schemas import OperatorSchema
from idp.accounts.schemas import OperatorUpdateSchema
from idp.accounts.schemas import ProfileCreateSchema
from idp.accounts.schemas import ProfileSchema
from idp.accounts.schemas import ProfileUpdateSchema
from idp.admin.api.auth import Right
from idp.admin.api.auth import current_operator
from idp.admin.api.auth import require
from idp.admin.api.pagination import paginated
from idp.errors import InvalidInput
from idp.errors import NotFound

if TYPE_CHECKING:
    from flask_smorest.pagination import PaginationParameters

    from idp.accounts.models import Operator
    from idp.accounts.models import Profile
    from idp.created import Created

blp = Blueprint(
    "accounts",
    __name__,
    url_prefix="/api/v1",
    description="Profiles (roles) and operators.",
)


def _update_profile(profile: Profile, data: dict) -> Profile:
    rights = {
        key: data.get(key) for key in ("api_access", "manage_users", "manage_clients")
    }
    return profiles.update_profile(
        profile,
        actor=current_operator(),
        modules=data.get("modules"),
        **rights,
    )


def _named_profile(name: str) -> Profile:
    """The profile a request body names: an unknown one is bad input, not a 404."""
    try:
        return profiles.get_profile(name)
    except NotFound as error:
        raise InvalidInput(str(error), field="profile") from None


@blp.route("/profiles")
class Profiles(MethodView):
    @require(Right.MANAGE_USERS)
    @blp.response(200, ProfileSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters) -> list:
        """List profiles"""
        return paginated(profiles.list_profiles(), pagination_parameters)

    @require(Right.MANAGE_USERS)
    @blp.arguments(ProfileCreateSchema, example={"name": "support", "api_access": True})
    @blp.response(201, ProfileSchema)
    def post(self, data: dict) -> Profile:
        """Create a profile; every module starts at `none`"""
        return profiles.create_profile(
            data.pop("name"),
            actor=current_operator(),
            **data,
        )


@blp.route("/profiles/<name>")
class ProfileByName(MethodView):
    @require(Right.MANAGE_USERS)
    @blp.response(200, ProfileSchema)
    def get(self, name: str) -> Profile:
        """Show a profile"""
        return profiles.get_profile(name)

    @require(Right.MANAGE_USERS)
    @blp.arguments(ProfileUpdateSchema, example={"manage_users": False})
    @blp.response(200, ProfileSchema)
    def patch(self, data: dict, name: str) -> Profile:
        """Change rights and module levels; credentials see it at once"""
        return _update_profile(profiles.get_profile(name), data)


@blp.route("/operators")
class Operators(MethodView):
    @require(Right.MANAGE_USERS)
    @blp.response(200, OperatorSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters) -> list:
        """List operators"""
        return paginated(operators.list_operators(), pagination_parameters)

    @require(Right.MANAGE_USERS)
    @blp.arguments(
        OperatorCreateSchema, example={"username": "alice", "profile": "staff"}
    )
    @blp.response(201, OperatorCreatedSchema)
    def post(self, data: dict) -> Created:
        """Create an operator; a generated password is in this answer only"""
        profile = _named_profile(data.pop("profile"))
        return operators.create_operator(
            data.pop("username"), profile=profile, actor=current_operator(), **data
        )


@blp.route("/operators/<username>")
class OperatorByName(MethodView):
    @require(Right.MANAGE_USERS)
    @blp.response(200, OperatorSchema)
    def get(self, username: str) -> Operator:
        """Show an operator"""
        return operators.get_operator(username)

    @require(Right.MANAGE_USERS)
    @blp.arguments(OperatorUpdateSchema, example={"rate_limit": "120/minute"})
    @blp.response(200, OperatorSchema)
    def patch(self, data: dict, username: str) -> Operator:
        """Change profile, active state or rate limit; credentials see it at once"""
        operator = operators.get_operator(username)
        profile = _named_profile(data["profile"]) if "profile" in data else None
        return operators.update_operator(
            operator,
            actor=current_operator(),
            is_active=data.get("active"),
            profile=profile,
            rate_limit=data.get("rate_limit"),
        )


@blp.route("/me")
class Me(MethodView):
    @require()
    @blp.response(200, OperatorSchema)
    def get(self) -> Operator:
        """The operator this credential speaks for"""
        return current_operator()
