"""The admin and self-service REST API, its OpenAPI document and interactive docs."""
