"""A wheel install (not editable) serves the UI: templates, static files and the demo model
are package data, found without the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from web.render import HTMX, STATIC, TEMPLATES

ROOT = Path(__file__).resolve().parents[2]

_SERVE = """
import json, sys
from pathlib import Path
from fastapi.testclient import TestClient
import db, web, templates, cmrclip.checkpoint as ck
from cmr_search.settings import Settings
from web.app import create_app

data = Path(sys.argv[1])  # the test's tmp_path: no state left behind in /tmp
client = TestClient(create_app(Settings(data_dir=data), open_access=True),
                    raise_server_exceptions=False)
page = client.get("/")
print(json.dumps({
    "web": web.__file__, "db": db.__file__, "templates": templates.__file__,
    "demo": str(ck.DEMO_CHECKPOINT),
    "page": page.status_code, "html": page.text[:4000],
    "htmx": client.get("/static/%s").status_code, "health": client.get("/healthz").json()}))
"""


def test_templates_and_static_files_are_found() -> None:
    assert (TEMPLATES / "base.html").is_file() and (STATIC / HTMX).is_file()


@pytest.mark.slow
def test_a_wheel_install_serves_the_ui(tmp_path: Path) -> None:
    # build from a copy: a build/ folder left in the checkout would hide a missing file
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "data", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
        "screenshots"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"),
                    str(source)], check=True, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("cmr_search-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(wheel)], check=True, cwd=tmp_path)
    # outside the source tree, with the wheel's files first on the path
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", _SERVE % HTMX, str(tmp_path / "data")],
                          cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("web", "db", "templates", "demo"):  # db: its Alembic migrations ran
        assert out[key].startswith(str(site)), f"{key} came from {out[key]}, not the wheel"
    assert out["page"] == 503 and "<html" in out["html"] and "not ready" in out["html"], \
        out["html"]
    assert out["htmx"] == 200 and out["health"] == {"status": "ok"}
