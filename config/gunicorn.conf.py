"""gunicorn settings for idp: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

Each value can be overridden on the command line or by GUNICORN_* variables
read below. App processes are stateless: scale out by adding workers or hosts,
with PostgreSQL and Redis shared by all of them.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
# Introspection is short and mostly waits on Redis and the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Loaded before forking so every worker shares the code pages.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
# Access logs carry paths and statuses, never bodies: tokens travel in bodies
# and headers, and neither is logged.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
