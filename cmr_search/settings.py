"""The one typed settings object, read from the environment (prefix CMR_SEARCH_)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cmr_search.layout import DataLayout


class Settings(BaseSettings):
    """Everything configurable; built once by the CLI and passed down."""

    model_config = SettingsConfigDict(env_prefix="CMR_SEARCH_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="where everything the product "
                           "writes lives: archives, index, caches, previews, run reports")
    workers: int = Field(default=0, ge=0, description="worker processes; 0 = one per CPU core")
    log_level: str = Field(default="INFO")
    demo_studies: int = Field(default=200, ge=1)
    demo_seed: int = Field(default=2026)
    checkpoint: Path | None = Field(default=None, description="CMR-CLIP checkpoint folder; "
                                    "None = the demo checkpoint shipped with the package "
                                    "(resolved by `cmrclip.checkpoint.checkpoint_folder`)")
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$", description="where "
                        "the model runs: auto (a GPU when torch sees one, else the CPU), cpu, "
                        "cuda or cuda:N")
    qdrant_url: str | None = Field(default=None, pattern=r"^https?://", description="a Qdrant "
                                   "server or cluster (http or https); None = the embedded "
                                   "store under data_dir/index")
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = Field(default="cmr_studies", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    upload_archive: Path | None = Field(default=None, description="where an uploaded study "
                                        "asked to be added is kept for the next index run; "
                                        "None = an `uploads` folder in the indexed archive")
    weight_images: float = Field(default=0.3, ge=0, description="fusion weight of the image "
                                 "signal (CLIP text embedding against study videos)")
    weight_reports: float = Field(default=1.0, ge=0, description="fusion weight of report "
                                  "embeddings")
    weight_keywords: float = Field(default=0.5, ge=0, description="fusion weight of BM25")
    weight_labels: float = Field(default=2.0, ge=0, description="fusion weight of the reports "
                                 "whose labels state what the query names")
    rrf_k: int = Field(default=10, ge=1, le=1000, description="reciprocal rank fusion "
                       "damping: score = sum of weight / (k + rank)")
    query_contrast: float = Field(default=0.5, ge=0, le=2, description="how far a finding "
                                  "named in a query moves the image query along its "
                                  "positive-minus-negative prompt direction")

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
