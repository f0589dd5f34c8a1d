"""Webhooks: endpoints subscribed to events, and the worker that delivers them.

The outbox every domain writes its events to is idp.events, below every domain;
this package sits above them (it asks idp.accounts.permissions, and reminds of
expiring tokens), and sends what the outbox holds.
"""
