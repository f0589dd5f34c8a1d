"""idp.changes: what a process remembers is never answered after a change it read."""

from __future__ import annotations

from idp.changes import memory
from idp.changes import reading
from idp.changes import writing
from idp.credentials import read
from idp.oauth import tokens as oauth_tokens


def test_a_change_another_thread_read_after_the_recall_is_not_missed(
    app, oauth_actions
):
    """Request C recalls an answer; meanwhile request B of the same process reads
    the revocation. C's head now equals what the process has seen, so only the
    recalled answer being gone tells C it no longer holds."""
    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    token = login["access_token"]
    assert oauth_actions.introspect(caller, token).json["active"]  # remembered

    with app.app_context(), app.test_request_context():
        reading.begin()
        assert read.resolve(token) is not None  # C: recalled, no SQL
        with app.app_context(), app.test_request_context():
            oauth_tokens.revoke_token(*oauth_tokens.find_token(token))  # B: revoke...
            reading.catch_up()  # ...and read the change, in this process
        head, reachable = reading.read_head()
        assert head == memory.memory().seen
        assert reading.confirm(head, reachable=reachable) is False

    assert oauth_actions.introspect(caller, token).json == {"active": False}


def test_a_database_outage_does_not_stop_answers_redis_vouches_for(
    app, oauth_actions, monkeypatch
):
    """Only the periodic read is due and Redis's head is what this process has
    read: the database, unreachable, cannot have taken a change, so the
    remembered answer stands. With a head it has not read, it cannot answer."""
    import sqlalchemy.exc

    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    token = login["access_token"]
    assert oauth_actions.introspect(caller, token).json["active"]  # remembered

    def unreachable() -> None:
        raise sqlalchemy.exc.OperationalError(
            "SELECT", {}, Exception("connection refused")
        )

    later = reading.time.monotonic() + 3600  # the periodic read is due
    monkeypatch.setattr(reading.time, "monotonic", lambda: later)
    monkeypatch.setattr(reading, "read_changes", unreachable)
    answer = oauth_actions.introspect(caller, token)
    assert answer.status_code == 200 and answer.json["active"] is True

    with app.app_context():
        writing.store().incr(writing.head_key())  # a change it has not read
    assert oauth_actions.introspect(caller, token).status_code == 503


def test_a_change_this_process_could_not_publish_is_read_at_its_next_request(
    app, oauth_actions, monkeypatch
):
    """The publish failed (a Cluster master down), so Redis still holds the
    head this process has read; only the process knows it wrote a change since.
    Its next introspection must read it, not trust the head."""
    import redis

    login = oauth_actions.login()
    caller = oauth_actions.resource_server()
    token = login["access_token"]
    assert oauth_actions.introspect(caller, token).json["active"]  # remembered

    def unreachable() -> list[str]:
        raise redis.ConnectionError("Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(writing, "head_keys", unreachable)
        assert oauth_actions.revoke("script", login["secret"], token).status_code == 200
    assert oauth_actions.introspect(caller, token).json == {"active": False}
