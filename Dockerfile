# One image for the web app and the indexer. CPU torch from the registry's CPU wheel first, so
# nothing later pulls a CUDA build.
FROM python:3.11-slim
WORKDIR /app
RUN pip install --no-cache-dir torch==2.13.0
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
RUN pip install --no-cache-dir . && rm -rf /app/*
ENV CMR_SEARCH_DATA_DIR=/data HF_HUB_OFFLINE=1
USER 1000:1000
EXPOSE 8000
CMD ["cmr-search", "serve", "--host", "0.0.0.0", "--port", "8000"]
