"""The REST API under /v1: one module of routes per resource."""
