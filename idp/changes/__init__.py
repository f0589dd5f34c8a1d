"""What each process remembers for introspection, and how it learns what to forget.

A process remembers verified clients and active credentials, so that introspecting
a known credential needs no SQL and no argon2. Each remembered answer carries
*tags*: the credential, its operator, the operator's profile, its client.

Every change that can make an answer wrong commits, in its own transaction, a row
of the ``changes`` table naming one tag (:func:`commit`). Rows are numbered in
commit order. A process that reads the rows it has not read yet forgets exactly
the answers carrying their tags, and nothing else.

When does a process read the table? Whenever it cannot vouch that it has read
every row. Redis keeps the number of the last row (the *head*), published after
each commit, and introspection reads the head in the round trip that counts the
request (idp.ratelimit): a head other than the last number this process read
means rows to read. The process also reads the table when there is no Redis, when
Redis failed or reconnected since its last read (a restart or a restored snapshot
may have lost the head, and a change made meanwhile never reached it), and at
least every ``CHANGES_POLL_SECONDS``. The table is the truth; Redis only saves
the SELECT when nothing changed.

On a Redis Cluster the head is kept in one copy per hash tag (idp.store), each
written on publishing; introspection reads the copy in its counter's slot.

:mod:`idp.changes.writing` commits and publishes change rows,
:mod:`idp.changes.memory` holds what a process remembers, and
:mod:`idp.changes.reading` decides when to read the rows and forgets what they name.
"""
