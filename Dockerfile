# One image for the web app and the indexer. Torch first, so nothing later pulls another build.
# Where the registry's Linux torch wheel is the CUDA build (PyPI's is), name a CPU index or a
# mirror of it: --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# The Ray engine (`cmr-search index --engine ray`) needs --build-arg EXTRAS="[cluster]".
FROM python:3.11-slim
ARG TORCH_INDEX_URL=""
ARG EXTRAS=""
WORKDIR /app
RUN pip install --no-cache-dir ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0
COPY pyproject.toml README.md ./
COPY cmr_search cmr_search
COPY cli cli
COPY phantom phantom
COPY reader reader
COPY vectorstore vectorstore
COPY catalog catalog
COPY cmrclip cmrclip
COPY pacs pacs
COPY segment segment
COPY indexer indexer
COPY search search
COPY web web
COPY templates templates
COPY db db
COPY accounts accounts
# a plain (not editable) install: templates, static files and the demo model are package data
RUN pip install --no-cache-dir ".${EXTRAS}" && rm -rf /app/*
# the data folder belongs to the user the app runs as: a new named volume takes its owner from
# here, and was root's (the first write, of the secrets, failed)
RUN mkdir -p /data && chown 1000:1000 /data
ENV CMR_SEARCH_DATA_DIR=/data HF_HUB_OFFLINE=1
USER 1000:1000
EXPOSE 8000
CMD ["cmr-search", "serve", "--host", "0.0.0.0", "--port", "8000"]
