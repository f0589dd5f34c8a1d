"""idp_client: protect an API with idp, and call one from a script.

The Flask extension lives in ``idp_client.flask`` so that plain WSGI users need not
install Flask.
"""

from .decision import Decision
from .decision import authenticate
from .decision import authorize
from .errors import IdpError
from .errors import IdpMisconfigured
from .errors import IdpUnavailable
from .errors import TokenError
from .introspection import Introspection
from .introspection import Introspector
from .introspection import Permissions
from .introspection import RateLimit
from .tokens import TokenSession
from .wsgi import PRINCIPAL_KEY
from .wsgi import IdpMiddleware

__all__ = [
    "PRINCIPAL_KEY",
    "Decision",
    "IdpError",
    "IdpMiddleware",
    "IdpMisconfigured",
    "IdpUnavailable",
    "Introspection",
    "Introspector",
    "Permissions",
    "RateLimit",
    "TokenError",
    "TokenSession",
    "authenticate",
    "authorize",
]
