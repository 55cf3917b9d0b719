"""The web UI's Jinja2 templates, shipped as package data (found by `web.render`)."""
