"""The audit log: who changed what, when and from where, kept beside the change.

Every change made through the `idp` command, /api/v1, the console or the OAuth
endpoints that revoke is recorded by :func:`idp.audit.log.record` in the change's
own transaction, so a change is never without its record nor a record without
its change.
"""
