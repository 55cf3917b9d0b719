"""The one typed settings object, read from the environment (prefix CMR_SEARCH_)."""

from __future__ import annotations

import difflib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cmr_search.layout import DataLayout
from cmr_search.loopback import NO_HOST, NOT_HTTP, secure_or_loopback, url_problem


class Settings(BaseSettings):
    """Everything configurable; built once by the CLI and passed down."""

    model_config = SettingsConfigDict(env_prefix="CMR_SEARCH_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="where everything the product "
                           "writes lives: archives, index, caches, previews, run reports")
    # bounded: each worker is a process holding a model copy; 100000 forked thousands before
    # the machine ran out of memory, and SIGTERM no longer stopped the run
    workers: int = Field(default=0, ge=0, le=256,
                         description="worker processes; 0 = one per CPU core (at most 256)")
    log_level: str = Field(default="INFO")
    serve_workers: int = Field(default=1, ge=1, le=64, description="`serve`'s processes: "
                               "one per core answers the most searches per second; each "
                               "loads its own copy of the model (~0.5 GB)")
    demo_studies: int = Field(default=200, ge=1)
    demo_seed: int = Field(default=2026)
    checkpoint: Path | None = Field(default=None, description="CMR-CLIP checkpoint folder; "
                                    "None = the demo checkpoint shipped with the package "
                                    "(resolved by `cmrclip.checkpoint.checkpoint_folder`)")
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$", description="where "
                        "the model runs: auto (a GPU when torch sees one, else the CPU), cpu, "
                        "cuda or cuda:N")
    measure: bool = Field(default=True, description="segment and measure every study's "
                          "short-axis cine while indexing (volumes, EF, mass, wall thickness, "
                          "QC flags; the slowest stage on a CPU: seconds per study)")
    segmentation_checkpoint: Path | None = Field(default=None, description="segmentation "
                                                 "checkpoint folder; None = the one shipped "
                                                 "with the package (segment/checkpoints)")
    measure_tta: bool = Field(default=False, description="test-time augmentation (4 flips) "
                              "when measuring while indexing: about 1.75x the time per "
                              "study; on ACDC a better myocardium, a worse systolic RV and "
                              "LVEF")
    query_text_runtime: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx", description="how search embeds query texts: torch, or the text tower "
        "exported to ONNX Runtime at first start (onnx: the same vectors, ~3x faster on a CPU; "
        "onnx-int8: faster again, vectors moved slightly)")
    qdrant_url: str | None = Field(default=None, pattern=r"^https?://", description="a Qdrant "
                                   "server or cluster (http or https); None = the embedded "
                                   "store under data_dir/index")
    qdrant_api_key: SecretStr | None = None
    part_processes: bool = Field(default=True, description="search each part of an embedded "
                                 "index built in parts (over 500,000 studies on a machine too "
                                 "small for one) from a process of its own, so the parts "
                                 "search at once on several cores")
    qdrant_collection: str = Field(default="cmr_studies", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    qdrant_shards: int | None = Field(default=None, ge=1, le=256, description="shards of a "
                                      "new collection on a Qdrant cluster (None: the server's "
                                      "default); spread over the cluster's nodes")
    qdrant_replicas: int | None = Field(default=None, ge=1, le=16, description="copies of each "
                                        "shard on a Qdrant cluster (None: the server's default)")
    ray_address: str | None = Field(default=None, description="the Ray cluster `cmr-search "
                                    "index --engine ray` joins (ray://head:10001, or auto); "
                                    "None = a Ray started on this machine")
    ray_encoders: int = Field(default=0, ge=0, description="encoder actors of the Ray engine; "
                              "0 = one per GPU in the cluster, or where it has none one "
                              "actor per CPU that also reads its studies")
    upload_archive: Path | None = Field(default=None, description="where an uploaded study "
                                        "asked to be added is kept for the next index run; "
                                        "None = an `uploads` folder in the indexed archive")
    weight_images: float = Field(default=0.3, ge=0, description="fusion weight of the image "
                                 "signal (CLIP text embedding against study videos)")
    weight_examples: float = Field(default=1.0, ge=0, description="fusion weight of the "
                                   "image signal in study-to-study search (more like this, "
                                   "query by upload) beside the measurement vector; chosen on "
                                   "a synthetic validation archive (bench/fusion_weights.py)")
    weight_reports: float = Field(default=1.0, ge=0, description="fusion weight of report "
                                  "embeddings")
    weight_keywords: float = Field(default=0.5, ge=0, description="fusion weight of BM25")
    weight_measures: float = Field(default=1.0, ge=0, description="fusion weight of the "
                                   "measurement vector in find-similar (0: images alone)")
    weight_labels: float = Field(default=2.0, ge=0, description="fusion weight of the reports "
                                 "whose labels state what the query names")
    weight_measured_findings: float = Field(default=2.0, ge=0, description="fusion weight of "
                                            "the studies whose trusted measurements show what "
                                            "the query names (the labels' weight: both state "
                                            "a finding rather than resemble it)")
    rrf_k: int = Field(default=10, ge=1, le=1000, description="reciprocal rank fusion "
                       "damping: score = sum of weight / (k + rank)")
    query_contrast: float = Field(default=0.5, ge=0, le=2, description="how far a finding "
                                  "named in a query moves the image query along its "
                                  "prompt direction (positive minus the model's "
                                  "weighted negative)")
    viewer_url: str | None = Field(default=None, description="the hospital's own viewer for "
                                   "full-resolution review: a URL template with "
                                   "{study_instance_uid}, for example an OHIF viewer's "
                                   "https://viewer/viewer?StudyInstanceUIDs={study_instance_uid}")
    # Reading from a PACS (`cmr-search index dicomweb+https://... | dimse://AET@host:port`)
    pacs_token: SecretStr | None = Field(default=None, description="DICOMweb bearer token")
    pacs_username: str | None = Field(default=None, description="DICOMweb basic auth user")
    pacs_password: SecretStr | None = Field(default=None, description="DICOMweb basic auth "
                                            "password")
    pacs_verify_tls: bool = Field(default=True, description="check the DICOMweb server's TLS "
                                  "certificate (off only for a test server)")
    pacs_ca_bundle: Path | None = Field(default=None, description="CA certificates (PEM) the "
                                        "DICOMweb server's certificate is checked against; "
                                        "None = the system's")
    pacs_timeout_s: float = Field(default=60.0, gt=0, description="seconds one PACS request "
                                  "may take before it counts as failed (and is retried)")
    pacs_transfer_timeout_s: float = Field(
        default=600.0, gt=0, description="seconds one DICOMweb answer, or one series' DIMSE "
        "retrieve (C-GET, C-MOVE), may take in all: the per-request timeout bounds each wait, "
        "so a server trickling bytes or sending 'pending' for ever never tripped it; past this "
        "the transfer counts as failed (and is retried)")
    pacs_concurrency: int = Field(default=2, ge=1, le=32, description="studies fetched at "
                                  "once, and PACS requests in flight at once")
    pacs_rate_limit: float = Field(default=10.0, ge=0, description="PACS requests per second "
                                   "at most (0 = no limit)")
    pacs_retries: int = Field(default=4, ge=0, le=20, description="retries of a PACS request "
                              "that failed with a 5xx, a timeout or a refused connection")
    pacs_backoff_s: float = Field(default=1.0, ge=0, description="wait before the first retry "
                                  "(seconds); doubles with each further one")
    pacs_page_size: int = Field(default=100, ge=1, le=10000, description="studies per QIDO-RS "
                                "page (limit/offset)")
    pacs_ae_title: str = Field(default="CMRSEARCH", pattern=r"^[A-Za-z0-9_ -]{1,16}$",
                               description="our calling AE title for DIMSE (and the C-MOVE "
                               "destination the PACS must know)")
    pacs_retrieve: Literal["get", "move"] = Field(default="get", description="DIMSE retrieval: "
                                                  "C-GET, or C-MOVE to our own storage SCP")
    pacs_store_port: int = Field(default=11113, ge=1, le=65535, description="port of our "
                                 "storage SCP for C-MOVE (the PACS must know AET, host, port)")

    @field_validator("viewer_url")
    @classmethod
    def _viewer_template(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")) or \
                "{study_instance_uid}" not in value:
            raise ValueError("viewer_url: an http(s) URL with {study_instance_uid} in it")
        if problem := url_problem(value.replace("{study_instance_uid}", "1.2")):
            raise ValueError(f"viewer_url: {problem}")
        return value

    # accounts and sign-in (README "Running in a hospital")
    database_url: SecretStr | None = Field(default=None, description="SQLAlchemy URL of the "
                                           "database for accounts, tokens, the audit trail and "
                                           "teaching files (postgresql+psycopg://...); None = "
                                           "SQLite under data_dir/db")
    require_sign_in: bool = Field(default=False, description="sign-in even on loopback (it is "
                                  "always required when serving on any other address)")
    open_role: Literal["viewer", "clinician", "curator", "admin"] = Field(
        default="curator", description="what a person is allowed on a loopback server without "
        "sign-in")
    secret_key: SecretStr | None = Field(default=None, description="signs session cookies and "
                                         "CSRF tokens; None = a random key kept in "
                                         "data_dir/secrets")
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    oidc_issuer: str | None = Field(default=None, description="the identity provider's "
                                    "issuer URL, https (http only on loopback; its discovery "
                                    "document is ISSUER/.well-known/openid-configuration)")
    # with the issuer, both or neither: one without the other was ignored without a word
    oidc_client_id: str | None = Field(default=None, validate_default=True)
    oidc_client_secret: SecretStr | None = Field(default=None, validate_default=True)
    oidc_scopes: str = "openid profile email"
    oidc_audience: str | None = Field(default=None, description="the `aud` API bearer tokens "
                                      "must carry; None = the client id")
    oidc_roles_claim: str = Field(default="roles", description="the claim listing a person's "
                                  "cmr-search roles (viewer, clinician, curator, admin)")
    oidc_role_source: Literal["token", "local"] = Field(
        default="token", description="token: the identity provider decides a person's role at "
        "every sign-in and API call (the token's roles claim, else the default role; a role "
        "withdrawn there is withdrawn here); local: roles are given here (`users set-role`, "
        "the admin page) and the claim is not read")
    oidc_default_role: Literal["viewer", "clinician", "curator", "admin"] | None = Field(
        default="viewer", description="role of a first sign-in whose token names none; empty "
        "or none = refuse")
    oidc_provider_sign_out: bool = Field(default=True, description="signing out of a session "
                                         "begun at the identity provider ends the provider's "
                                         "session too (RP-Initiated Logout); false = this "
                                         "app's session only")
    oidc_recheck_minutes: float = Field(default=60.0, description="a browser session "
                                        "begun at the identity provider goes back through the "
                                        "provider's sign-in (silently while signed in there) "
                                        "this often, so a role withdrawn or an account disabled "
                                        "there ends here within this time (10 minutes more for "
                                        "forms and API calls); 0 = never, else at least 1")
    public_url: str | None = Field(default=None, pattern=r"^https?://", description="the URL "
                                   "people reach the app by, behind a reverse proxy (OIDC "
                                   "redirect and Origin checks); None = the request's own")
    forwarded_allow_ips: str = Field(default="127.0.0.1", description="reverse proxies whose "
                                     "X-Forwarded-For/-Proto headers are believed (the client "
                                     "address in the audit trail)")
    expose_identifiers: bool = Field(default=False, description="let clinicians and admins see "
                                     "accession numbers and archive paths in the API")
    # de-identification on ingest
    deidentify: bool = Field(default=False, description="index de-identified: pseudonyms for "
                             "names, IDs, UIDs and dates (PS3.15 Basic Profile, dicognito)")
    deidentify_seed: SecretStr | None = Field(default=None, description="keeps pseudonyms "
                                              "stable across runs; None = a random seed kept "
                                              "in data_dir/secrets")
    patient_key_secret: SecretStr | None = Field(default=None, description="salts the "
                                                 "patient_key that groups a patient's studies; "
                                                 "None = a random one in data_dir/secrets")
    # uploads (query by a study)
    upload_max_request_mb: float = Field(default=1024, gt=0, description="largest upload "
                                         "request, MB, counted while it streams in")
    upload_max_unpacked_mb: float = Field(default=2048, gt=0, description="largest unpacked "
                                          "study, MB, counted while unpacking")
    upload_max_ratio: float = Field(default=50, ge=1, description="largest compression ratio "
                                    "of a zip member (unpacked / packed)")
    upload_max_members: int = Field(default=10000, ge=1, description="most files in a zip")
    upload_max_concurrent: int = Field(default=2, ge=1, description="uploads read at once "
                                       "by each server process (`serve --workers N` reads up "
                                       "to N times as many); more get 429")
    upload_idle_timeout_s: float = Field(default=120, gt=0, description="most seconds an "
                                         "upload may send nothing (a sender that stalls held "
                                         "one of the few upload slots for good)")

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_named(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():  # "" was the current folder
            raise ValueError("empty: name a folder, or unset it for ./data")
        return value

    @field_validator("data_dir")
    @classmethod
    def _data_dir_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():  # every command met it as a traceback
            raise ValueError(f"{value} is a file, not a folder")
        return value

    @field_validator("checkpoint", "segmentation_checkpoint", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("oidc_issuer", "oidc_client_id", mode="before")
    @classmethod
    def _oidc_empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_https(cls, value: str | None) -> str | None:
        """Checked here, so that every command says it at once: `serve` said it in a
        traceback, after the index and the model had loaded."""
        if value is None:
            return value
        problem = url_problem(value)  # a bad port failed only at discovery, at sign-in
        if problem in (None, NOT_HTTP, NO_HOST) and not secure_or_loopback(value):
            raise ValueError("must be https (http only on loopback)")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("qdrant_url", "public_url", mode="before")
    @classmethod
    def _reachable_url(cls, value: object) -> object:
        """http://localhost:abc passed the pattern and failed at the first request."""
        if isinstance(value, str) and value and (problem := url_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("oidc_client_id", "oidc_client_secret")
    @classmethod
    def _with_the_issuer(cls, value: object, info: ValidationInfo) -> object:
        """An issuer without a client ID turned provider sign-in off, and a client ID or
        secret without an issuer was ignored, both without a word."""
        if "oidc_issuer" not in info.data:  # the issuer itself was refused: that is said
            return value
        issuer = info.data["oidc_issuer"]
        if value is not None and issuer is None:  # the message follows the setting's name
            raise ValueError("set without CMR_SEARCH_OIDC_ISSUER: set the issuer too, or "
                             "unset it")
        if value is None and issuer is not None and info.field_name == "oidc_client_id":
            raise ValueError("required with CMR_SEARCH_OIDC_ISSUER (the client ID the "
                             "identity provider knows cmr-search by)")
        return value

    @field_validator("oidc_default_role", mode="before")
    @classmethod
    def _no_default_role(cls, value: object) -> object:
        """"" or "none" refuses a first sign-in without a role, as documented; it stopped
        every command instead, leaving no way to refuse."""
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("oidc_recheck_minutes")
    @classmethod
    def _recheck_a_minute(cls, value: float) -> float:
        """A page sent round the provider came back due again when the interval was shorter
        than the round trip (0.001), and went round for ever."""
        if value != 0 and not value >= 1:
            raise ValueError(f"{value}: 0 (never) or at least 1 minute")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"unknown log level {value!r}")
        return level

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def layout(self) -> DataLayout:
        """Every folder under `data_dir`."""
        return DataLayout(self.data_dir)

    def secret(self, name: Literal["secret_key", "deidentify_seed", "patient_key_secret"]) -> str:
        """A configured secret, or one made once and kept (mode 0600) under data_dir/secrets."""
        configured: SecretStr | None = getattr(self, name)
        if configured is not None:
            return configured.get_secret_value()
        path = self.layout.secrets / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = path.with_suffix(f".{os.getpid()}.partial")
            partial.write_text(secrets.token_urlsafe(32), encoding="utf-8")
            partial.chmod(0o600)
            try:
                os.link(partial, path)  # first writer wins; the others read its value
            except FileExistsError:
                pass
            finally:
                partial.unlink()
        return path.read_text(encoding="utf-8").strip()


# read by the test suite, not by the product
_NOT_SETTINGS = frozenset({"CMR_SEARCH_SCREENSHOTS"})


def unknown_settings(environ: Mapping[str, str]) -> list[str]:
    """One line per CMR_SEARCH_ variable that names no setting (a misspelt
    CMR_SEARCH_DATADIR was ignored without a word, and the index went to ./data), with the
    setting it most likely meant."""
    prefix = Settings.model_config.get("env_prefix", "")
    known = sorted(name.upper() for name in Settings.model_fields)
    lines = []
    for name in sorted(environ):
        upper = name.upper()
        rest = upper.removeprefix(prefix)
        if rest == upper or rest in known or upper in _NOT_SETTINGS:
            continue
        near = difflib.get_close_matches(rest, known, n=1, cutoff=0.75)  # without the prefix
        hint = f" (did you mean {prefix}{near[0]}?)" if near else ""
        lines.append(f"{name} names no setting and is ignored{hint}")
    return lines
