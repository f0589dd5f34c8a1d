"""Service refusals in the page's language.

Services refuse in one English sentence, the same the API answers. The console
shows that sentence in French too: each known sentence is a message of the
console's catalogue whose ``%(name)s`` parts match the values the service put
in. A sentence that matches none is shown as it is, in English.
"""

from __future__ import annotations

import re
from functools import cache

from flask_babel import gettext


def N_(message: str) -> str:
    """Marks a message for the catalogue (pybabel's default keyword); no lookup."""
    return message


#: Words a service puts into a sentence (the kind of name, what a name is made of,
#: a credential kind and action), translated before they are put back.
FRAGMENTS = (
    N_("A profile name"),
    N_("A username"),
    N_("A client ID"),
    N_("A module name"),
    N_("An event type"),
    N_("letters, digits and . _ @ + ~ -"),
    N_("letters, digits and . _ @ ~ -"),
    N_("create"),
    N_("list"),
    N_("revoke"),
    N_("personal access tokens"),
    N_("api accounts"),
    N_("api keys"),
)
#: Placeholders that only match one of FRAGMENTS.
_FRAGMENT_SLOTS = ("what", "allowed", "action", "kinds")

#: Every sentence a service may answer a console form with; specific ones first.
SENTENCES = (
    # accounts and permissions
    N_("You may not give a right or level you do not hold."),
    N_("Only the owner changes the owner or the owner's profile."),
    N_("This needs the manage_users right."),
    N_("Only the owner manages webhooks and event types."),
    N_("Nobody changes its own rate limit; another admin may."),
    N_(
        "The owner has live logins through this client; only the owner may delete "
        "it or rotate its secret."
    ),
    N_("You may not %(action)s this operator's %(kinds)s."),
    N_("No profile named %(name)s."),
    N_("The owner cannot be deleted."),
    N_("The profile %(name)s is held by %(holders)s; give them another first."),
    N_("No operator named %(name)s."),
    N_("A profile named %(name)s already exists."),
    N_("An operator named %(name)s already exists."),
    N_("Unknown module %(module)s; declared: %(declared)s."),
    N_("Invalid level %(level)s for %(action_name)s."),
    N_("Unknown right %(right)s."),
    N_("Unknown operator kind %(kind)s."),
    N_("The owner is a person, not an API member."),
    N_("There is already an owner."),
    N_("An API member has no password; it uses API keys."),
    N_("The password is empty."),
    N_("Invalid rate limit %(limit)s; use a form like '120/minute'."),
    # modules
    N_("A module named %(name)s already exists."),
    N_("No module named %(name)s."),
    N_(
        "The module %(name)s is used by the profiles %(profiles)s; set their levels "
        "to none first."
    ),
    # credentials
    N_("An API member authenticates with API keys, not tokens."),
    N_("An API member authenticates with API keys."),
    N_("A token needs a name."),
    N_("A token name has at most 100 characters."),
    N_("The expiry must be in the future."),
    N_("API keys belong to API members; people use tokens."),
    N_("A key description has at most 200 characters."),
    N_("No token %(id)s of %(name)s."),
    N_("No API account %(account)s of %(name)s."),
    N_("No API key %(key)s of %(name)s."),
    # clients
    N_("No client %(name)s."),
    N_("The client secret is empty."),
    N_("A client secret cannot hold '+' or '%'; omit it to have one generated."),
    N_("A client %(name)s already exists."),
    N_("Token lifetimes must be between 1 second and 3650 days."),
    # webhooks
    N_("No webhook %(id)s."),
    N_("Webhook %(id)s has no delivery %(delivery)s."),
    N_("Delivery %(delivery)s is pending: it is sent already."),
    N_("Webhook %(id)s is disabled (%(reason)s); enable it first."),
    N_("The URL has at most %(count)s characters."),
    N_("The URL holds a space or a control character."),
    N_("The URL must be an http or https URL with a host."),
    N_("The URL's port is not a number from 0 to 65535."),
    N_("The URL must use https."),
    N_("The host %(host)s has no address."),
    N_("The host %(host)s cannot be resolved."),
    N_(
        "The host %(host)s resolves to %(address)s, which is not globally routable; "
        "allow its network in IDP_WEBHOOK_ALLOWED_NETWORKS."
    ),
    N_("Subscribe to at least one event type, or '*'."),
    N_("Unknown event type %(name)s."),
    N_("At most %(count)s headers."),
    N_("The header %(name)s is set by idp."),
    N_("The header %(name)s is given twice."),
    N_("The header %(name)s needs a value."),
    N_("The value of %(name)s is too long or holds a line break."),
    N_("%(name)s is not a header name."),
    N_("The Basic username is empty or holds ':' or a control character."),
    N_("The Basic password is missing."),
    N_("The Basic password is empty or holds a control character."),
    N_("The event type %(name)s already exists."),
    N_("No event type %(name)s."),
    N_("%(name)s is built in."),
    N_("%(name)s is emitted by idp only."),
    N_("The data has at most %(count)s bytes as JSON."),
    N_("This client may not publish events."),
    # names (idp.names), after every sentence they could swallow
    N_("%(what)s is empty."),
    N_("%(what)s has at most %(count)s characters."),
    N_("%(what)s cannot be '.' or '..'."),
    N_("%(what)s is made of %(allowed)s only."),
)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _pattern(sentence: str) -> re.Pattern:
    """``sentence`` as a regular expression, each placeholder a named group."""
    parts, end = [], 0
    for match in _PLACEHOLDER.finditer(sentence):
        parts.append(re.escape(sentence[end : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        end = match.end()
    parts.append(re.escape(sentence[end:]))
    return re.compile("".join(parts), re.DOTALL)


def refusal(error: Exception) -> str:
    """A service's refusal, as the console shows it."""
    return translate(str(error))


def translate(message: str) -> str:
    """``message`` in the page's language, or as it is when it is unknown."""
    for sentence in SENTENCES:
        match = _pattern(sentence).fullmatch(message)
        if match is None:
            continue
        values = match.groupdict()
        if any(
            values[slot] not in FRAGMENTS for slot in _FRAGMENT_SLOTS if slot in values
        ):
            continue
        translated = {
            key: gettext(value) if key in _FRAGMENT_SLOTS else value
            for key, value in values.items()
        }
        return gettext(sentence, **translated)
    return message
