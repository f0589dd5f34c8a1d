"""Every credential row and the read path that resolves any presented secret.

Personal access tokens, API accounts (HTTP Basic pairs), API keys of API
members, and OAuth clients with the tokens issued through them. idp.oauth (the
protocol's endpoints, grants and client authentication) sits above and imports
this package; nothing here imports idp.oauth, so introspection descends
(idp.oauth.introspection, then idp.credentials.read, then the rows) and never
climbs back. Below sit idp.accounts and idp.events; idp.events names every layer.
"""
