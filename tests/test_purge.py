"""`idp purge` deletes what can never be active again, after the retention."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from idp.credentials.models import OAuthToken
from idp.extensions import db
from idp.oauth import tokens as oauth_tokens
from idp.timeutil import utcnow


def _age(app, token: str, **columns_days_ago: int) -> None:
    with app.app_context():
        row = oauth_tokens.find_token(token)[1]
        now = utcnow()
        db.session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == row.id)
            .values(
                {
                    column: now - dt.timedelta(days=days)
                    for column, days in columns_days_ago.items()
                }
            )
        )
        db.session.commit()


def _remaining(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OAuthToken))


def test_purge_deletes_only_rows_dead_longer_than_the_retention(
    app, oauth_actions, runner
):
    live = oauth_actions.login()
    caller = oauth_actions.resource_server()
    long_dead = oauth_actions.password_grant(
        "script", live["secret"], "alice", "correct horse"
    ).json
    lately_dead = oauth_actions.password_grant(
        "script", live["secret"], "alice", "correct horse"
    ).json
    _age(app, long_dead["access_token"], access_expires_at=9, refresh_expires_at=8)
    _age(app, lately_dead["access_token"], access_expires_at=2, refresh_revoked_at=2)
    assert _remaining(app) == 3

    result = runner.invoke(args=["purge", "--retention", "7d", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["deleted"][0]["oauth_tokens"] == 1
    assert _remaining(app) == 2
    assert oauth_actions.introspect(caller, live["access_token"]).json["active"]
    again = oauth_actions.refresh("script", live["secret"], live["refresh_token"])
    assert again.status_code == 200


def test_purge_refuses_a_retention_that_is_not_a_duration(runner):
    result = runner.invoke(args=["purge", "--retention", "soon"])
    assert result.exit_code == 2
    assert "duration" in result.output


def test_the_long_running_worker_purges_too(app, oauth_actions):
    """`idp webhooks work` purges once started and then hourly, so no cron is needed."""
    from tests.webhooks.delivery.conftest import WorkerThread
    from tests.webhooks.delivery.conftest import wait_until

    live = oauth_actions.login()
    dead = oauth_actions.password_grant(
        "script", live["secret"], "alice", "correct horse"
    ).json
    _age(app, dead["access_token"], access_expires_at=9, refresh_expires_at=8)
    assert _remaining(app) == 2
    worker = WorkerThread(app)
    try:
        wait_until(lambda: _remaining(app) == 1, what="the dead token purged")
    finally:
        worker.stop()
