"""The floor: the least an introspection endpoint can do, served like idp.

One `limits` hit in Redis and a JSON answer, under the same gunicorn settings.
"""

from __future__ import annotations

import os

from flask import Flask
from flask import jsonify
from flask import request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

REDIS_URL = os.environ.get("IDP_REDIS_URL", "redis://127.0.0.1:6379/0")
app = Flask(__name__)
# What idp/gunicorn_conf.py checks before starting workers.
app.config.update(REDIS_URL=REDIS_URL, ISSUER="http://127.0.0.1")
limiter = FixedWindowRateLimiter(storage_from_string(REDIS_URL))
item = parse("1000000/minute")


@app.post("/oauth/introspect")
def introspect():
    request.form.get("token")
    limiter.hit(item, "floor", "operator-1")
    return jsonify(active=True, username="floor", scope="public-api")
