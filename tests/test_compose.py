"""compose.yaml's structure (no Docker engine runs here): services, checks, volumes, secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text()))


def test_services_and_the_one_shot_indexer_profile() -> None:
    services = _compose()["services"]
    assert set(services) == {"qdrant", "web", "indexer"}
    assert services["indexer"]["profiles"] == ["index"]
    assert services["indexer"]["restart"] == "no"
    assert services["indexer"]["command"][:2] == ["cmr-search", "index"]
    assert services["web"]["command"][:2] == ["cmr-search", "serve"]
    assert "qdrant" in services["web"]["depends_on"]


def test_health_is_checked_through_the_apps_readyz() -> None:
    services = _compose()["services"]
    check = services["web"]["healthcheck"]
    assert "/readyz" in " ".join(check["test"])
    assert "healthcheck" not in services["qdrant"]  # its image has no curl


def test_archive_is_read_only_and_data_is_a_volume() -> None:
    compose = _compose()
    for name in ("web", "indexer"):
        volumes = compose["services"][name]["volumes"]
        assert any(v.endswith(":/archive:ro") for v in volumes)
        assert "cmr-data:/data" in volumes
    assert {"cmr-data", "qdrant-storage"} <= set(compose["volumes"])


def test_secrets_are_guarded_and_shared() -> None:
    compose = _compose()
    web_env = compose["services"]["web"]["environment"]
    assert web_env["CMR_SEARCH_QDRANT_URL"] == "http://qdrant:6333"
    assert web_env["CMR_SEARCH_QDRANT_API_KEY"].startswith("${QDRANT_API_KEY:?")
    qdrant_env = compose["services"]["qdrant"]["environment"]
    assert qdrant_env["QDRANT__SERVICE__API_KEY"].startswith("${QDRANT_API_KEY:?")
    assert compose["services"]["indexer"]["environment"] == web_env


def test_the_image_installs_torch_before_the_project() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    torch_line = next(i for i, line in enumerate(lines) if "torch==" in line)
    install_line = next(i for i, line in enumerate(lines)
                        if 'pip install --no-cache-dir ".${EXTRAS}"' in line)
    assert torch_line < install_line


def test_the_data_folder_belongs_to_the_user_the_image_runs_as() -> None:
    """A new named volume takes its owner from the image: /data was root's, and the app,
    running as 1000, could not write its secrets."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    user = next(i for i, line in enumerate(lines) if line.startswith("USER "))
    owned = next(i for i, line in enumerate(lines) if "chown 1000:1000 /data" in line)
    assert owned < user and lines[user] == "USER 1000:1000"


def test_the_image_copies_every_package_it_installs() -> None:
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in found}
    copied = {line.split()[1] for line in (ROOT / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY ") and "pyproject" not in line}
    assert packages == copied
