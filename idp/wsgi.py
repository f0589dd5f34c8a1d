"""The WSGI entry point, installed with the package: `idp.wsgi:app` (`idp serve`)."""

from idp import create_app

app = create_app()
