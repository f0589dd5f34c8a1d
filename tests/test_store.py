"""IDP_REDIS_URL names one Redis, a Redis Cluster, or a Sentinel-watched master."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from idp import create_app
from idp import metrics
from idp.accounts import profiles
from idp.accounts.models import Operator
from idp.changes import writing
from idp.errors import ConfigError
from idp.extensions import db
from idp.store import CLUSTER_TAGS
from idp.store import parse_url
from idp.store import slot_tag
from idp.store import slot_tags
from idp.store import store
from tests.conftest import OAuthActions
from tests.conftest import redis_client
from tests.redis_cluster import LocalCluster
from tests.redis_cluster import LocalSentinel

on_cluster = pytest.mark.parametrize("redis_url", ["cluster"], indirect=True)


@pytest.mark.parametrize(
    ("url", "kind", "nodes", "service", "db"),
    [
        ("redis://127.0.0.1:6379/2", "redis", [], None, 0),
        ("rediss://:pw@cache.example:6380/0", "redis", [], None, 0),
        ("redis+cluster://a:7000,b:7001", "cluster", [("a", 7000), ("b", 7001)], None, 0),
        ("redis+sentinel://s1:26379,s2:26379/main", "sentinel",
         [("s1", 26379), ("s2", 26379)], "main", 0),
        ("redis+sentinel://:pw@s1:26379/main/3", "sentinel", [("s1", 26379)], "main", 3),
    ],
)  # fmt: skip
def test_url_names_its_servers(url, kind, nodes, service, db):
    target = parse_url(url)
    assert (target.kind, target.nodes, target.service, target.db) == (
        kind,
        nodes,
        service,
        db,
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("memcached://a:1", "unknown scheme 'memcached'"),
        ("redis+cluster://:s3cret@a:7000,b", "b is not host:port"),
        ("redis+cluster://a:7000,,b:7001", "an empty entry is not host:port"),
        ("redis+cluster://a:7000/1", "a Cluster has database 0 only"),
        ("redis+sentinel://:s3cret@s1:26379", "name the master"),
        ("redis+sentinel://s1:26379/main/x", "database 'x' is not a number"),
        ("redis://a:port", "Port could not be cast"),
    ],
)
def test_a_bad_url_stops_startup_with_one_line(url, reason):
    """The reason names what is wrong and never repeats the password."""
    with pytest.raises(ConfigError) as error:
        create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "REDIS_URL": url})
    message = str(error.value)
    assert message.startswith("IDP_REDIS_URL is invalid: ")
    assert reason in message
    assert "\n" not in message and "s3cret" not in message


def test_a_target_never_shows_its_password():
    assert "s3cret" not in repr(parse_url("redis+sentinel://:s3cret@s1:26379/main"))


def test_head_copies_spread_over_three_masters_evenly():
    """Tags sit evenly over the slots, as `redis-cli --cluster create` splits them."""
    from redis.crc import key_slot

    thirds = [key_slot(tag.encode()) * 3 // 16384 for tag in CLUSTER_TAGS]
    assert sorted(thirds.count(third) for third in range(3)) == [5, 5, 6]
    assert len({tag for tag in CLUSTER_TAGS}) == len(CLUSTER_TAGS)


def test_one_redis_keeps_one_untagged_head(app):
    with app.app_context():
        assert slot_tags(store()) == ("",)
        assert slot_tag(store(), 7) == ""


def _errors() -> float:
    return metrics.REDIS_ERRORS._value.get()


def _commands(client) -> dict[str, int]:
    """Commands the Cluster's masters have run, by name, all told."""
    counts: dict[str, int] = {}
    for node in client.info("commandstats", target_nodes="primaries").values():
        for name, value in node.items():
            if name.startswith("cmdstat_") and name != "cmdstat_info":
                counts[name[8:]] = counts.get(name[8:], 0) + value["calls"]
    return counts


@on_cluster
def test_a_remembered_credential_costs_one_command_on_a_cluster(
    oauth_actions, redis_url
):
    """The counter and the head copy share a slot: one script, counted, no error."""
    caller = oauth_actions.resource_server()
    token = oauth_actions.login()["access_token"]
    errors = _errors()
    first = oauth_actions.introspect(caller, token)
    assert first.json["rate_limit"]["remaining"] == 29
    client = redis_client(redis_url)
    try:
        before = _commands(client)
        second = oauth_actions.introspect(caller, token)
        after = _commands(client)
    finally:
        client.close()
    ran = {name: after[name] - before.get(name, 0) for name in after}
    # One EVALSHA; Redis counts the commands its script ran as well.
    ran = {name: count for name, count in ran.items() if count}
    assert ran == {"evalsha": 1, "incr": 1, "ttl": 1, "get": 1}
    assert second.json["rate_limit"]["remaining"] == 28
    assert _errors() == errors


@on_cluster
def test_operators_counters_spread_over_every_master(
    app, oauth_actions, redis_url, redis_prefix
):
    caller = oauth_actions.resource_server()
    _, secret = oauth_actions.oauth_client()
    for number in range(12):
        _, password = oauth_actions.operator(f"user{number}")
        token = oauth_actions.password_grant(
            "script", secret, f"user{number}", password
        ).json["access_token"]
        assert oauth_actions.introspect(caller, token).json["active"] is True
    client = redis_client(redis_url)
    try:
        holders = {
            client.nodes_manager.get_node_from_slot(client.keyslot(key)).name
            for key in client.scan_iter(f"{redis_prefix}:ratelimit:*")
        }
    finally:
        client.close()
    assert len(holders) == 3


@on_cluster
def test_a_change_is_published_to_every_head_copy(app, redis_url, redis_prefix):
    with app.app_context():
        profile = profiles.create_profile("readers")
        profiles.update_profile(profile, api_access=False)
    client = redis_client(redis_url)
    try:
        heads = {
            client.get(f"{redis_prefix}:changes:head:{tag}") for tag in CLUSTER_TAGS
        }
    finally:
        client.close()
    assert len(heads) == 1 and None not in heads


def _second_process(app: Flask, **overrides) -> Flask:
    """Another server process: its own memory and Redis connections."""
    keys = ("TESTING", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX")
    config = {key: app.config[key] for key in keys} | {"PASSWORD_HASHING": "fast"}
    return create_app(config | overrides)


@on_cluster
def test_every_process_sees_a_revocation_at_its_next_introspection(oauth_actions):
    """Two processes, operators on different head copies; each revocation counts."""
    other = _second_process(oauth_actions.app)
    there = OAuthActions(other, other.test_client())
    caller = oauth_actions.resource_server()
    _, secret = oauth_actions.oauth_client()
    tokens = []
    for number in range(4):  # consecutive ids: four different copies
        _, password = oauth_actions.operator(f"user{number}")
        response = oauth_actions.password_grant(
            "script", secret, f"user{number}", password
        )
        tokens.append(response.json["access_token"])
    try:
        for token in tokens:
            for actions in (oauth_actions, there):
                assert actions.introspect(caller, token).json["active"] is True
                assert actions.introspect(caller, token).json["active"] is True
            assert oauth_actions.revoke("script", secret, token).status_code == 200
            assert there.introspect(caller, token).json == {"active": False}
            assert oauth_actions.introspect(caller, token).json == {"active": False}
    finally:
        with other.app_context():
            db.engine.dispose()
        other.extensions["idp.redis"].close()


@pytest.mark.config(REDIS_URL="redis+cluster://127.0.0.1:1", REDIS_TIMEOUT=0.2)
def test_idp_starts_and_answers_while_the_cluster_is_down(oauth_actions):
    """The Cluster client is built at first use: startup needs no node."""
    caller = oauth_actions.resource_server()
    token = oauth_actions.login()["access_token"]
    response = oauth_actions.introspect(caller, token)
    assert response.json["active"] is True
    assert "RateLimit-Limit" not in response.headers


@pytest.fixture(scope="module")
def sentinel():
    local = LocalSentinel()
    local.start()
    yield local
    local.stop()


def test_sentinel_master_counts_and_invalidates(app, sentinel, redis_prefix):
    """Smoke test: a master found through Sentinel, in the database the URL names."""
    url = sentinel.url.rsplit("/", 1)[0] + "/1"
    process = _second_process(app, REDIS_URL=url)
    actions = OAuthActions(process, process.test_client())
    try:
        caller = actions.resource_server()
        login = actions.login()
        token = login["access_token"]
        counts = [
            actions.introspect(caller, token).json["rate_limit"]["remaining"]
            for _ in range(2)
        ]
        assert counts == [29, 28]
        assert actions.revoke("script", login["secret"], token).status_code == 200
        assert actions.introspect(caller, token).json == {"active": False}
        master = redis_client(f"redis://127.0.0.1:{sentinel.master_port}/1")
        try:
            assert list(master.scan_iter(f"{redis_prefix}:ratelimit:*"))
            assert master.get(f"{redis_prefix}:changes:head") is not None
        finally:
            master.close()
    finally:
        with process.app_context():
            db.session.remove()
            db.engine.dispose()
        process.extensions["idp.redis"].close()


@pytest.fixture
def private_cluster():
    """A Cluster of this test's own, since the test takes a master down."""
    cluster = LocalCluster()
    cluster.start()
    yield cluster
    cluster.stop()


def test_a_master_down_degrades_to_the_database(app, private_cluster, redis_prefix):
    """Operators whose slots lost their master are answered from the database,
    uncounted, and a revocation is still seen at once; the others stay counted."""
    process = _second_process(app, REDIS_URL=private_cluster.url, REDIS_TIMEOUT=0.2)
    actions = OAuthActions(process, process.test_client())
    try:
        caller = actions.resource_server()
        _, secret = actions.oauth_client()
        tokens = []
        for number in range(6):
            _, password = actions.operator(f"user{number}")
            response = actions.password_grant(
                "script", secret, f"user{number}", password
            )
            tokens.append(response.json["access_token"])
        for token in tokens:
            assert actions.introspect(caller, token).json["active"] is True
        # Kill the master holding the first operator's counter: which one that
        # is depends on the ids the database hands out.
        with process.app_context():
            first = db.session.scalar(
                sa.select(Operator.id).filter_by(username="user0")
            )
            key = writing.head_key(first)
        with private_cluster.client() as cluster:
            port = cluster.get_node_from_key(key).port
        master = private_cluster.processes[private_cluster.ports.index(port)]
        master.kill()
        master.wait()
        counted = []
        for token in tokens:
            response = actions.introspect(caller, token)
            assert response.status_code == 200
            assert response.json["active"] is True
            counted.append("RateLimit-Limit" in response.headers)
        assert True in counted and False in counted
        for token in tokens:
            assert actions.revoke("script", secret, token).status_code == 200
            assert actions.introspect(caller, token).json == {"active": False}
    finally:
        with process.app_context():
            db.session.remove()
            db.engine.dispose()
        process.extensions["idp.redis"].close()


def _kill_clients(port: int) -> None:
    with redis_client(f"redis://127.0.0.1:{port}/0") as client:
        client.client_kill_filter(_type="normal", skipme=True)


@pytest.mark.parametrize("kind", ["cluster", "sentinel"])
def test_a_reconnection_makes_the_process_doubt(app, kind, request):
    """A Cluster node or a Sentinel master that dropped us may have lost the head."""
    if kind == "cluster":
        local = request.getfixturevalue("redis_cluster")
        url, ports = local.url, local.ports
    else:
        local = request.getfixturevalue("sentinel")
        url, ports = local.url, [local.master_port]
    process = _second_process(app, REDIS_URL=url)
    memory = process.extensions["idp.memory"]
    try:
        with process.app_context():
            store().get("idptest:warm-up")
            memory.doubt = False
            store().get("idptest:warm-up")
            assert memory.doubt is False
            for port in ports:
                _kill_clients(port)
            try:
                store().get("idptest:warm-up")
            except Exception:  # noqa: BLE001 - a killed socket may fail one command
                store().get("idptest:warm-up")
            assert memory.doubt is True
    finally:
        with process.app_context():
            db.engine.dispose()
        process.extensions["idp.redis"].close()
