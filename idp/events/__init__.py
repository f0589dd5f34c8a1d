"""What happened, written in the transaction of the change that caused it.

Every domain emits events (:func:`idp.events.outbox.emit`), so this package
imports none: it holds the outbox and the rows it writes (events, and the
deliveries owed to each subscribed endpoint), the built-in event types, and the
encryption of the endpoints' secrets those rows carry. Each domain builds the
data of its own events. Sending them is idp.webhooks's part, which sits above
every domain.

The layers, each importing only those below it::

    console, admin                 the screens and the API
    webhooks                       endpoints, delivery, worker, housekeeping
    oauth                          protocol endpoints, grants, client authentication
    credentials                    every credential row and the read path
    accounts                       operators, profiles, permissions
    events, audit, changes         what every domain records
"""
