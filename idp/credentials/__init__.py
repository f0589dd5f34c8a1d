"""Credentials an operator holds besides OAuth tokens: personal access tokens,
API accounts (HTTP Basic pairs) and API keys of API members."""
