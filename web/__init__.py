"""web: the FastAPI app (JSON API under /api/v1, health checks; the UI comes with issue 7)."""
