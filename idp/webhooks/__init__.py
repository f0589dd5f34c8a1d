"""Webhooks: endpoints subscribed to events, an outbox written with each change."""
