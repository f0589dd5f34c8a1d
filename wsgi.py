"""The WSGI entry point from a checkout: `gunicorn wsgi:app`; `idp serve` needs no checkout."""

from idp.wsgi import app  # noqa: F401
