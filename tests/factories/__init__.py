"""Test data, one module per domain: each factory takes the app and returns the
new row's id (or key) and the secret in clear, so no test reads a secret back
from the database."""
