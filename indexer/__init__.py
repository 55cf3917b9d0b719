"""Index an archive: assemble clips and previews, embed with CMR-CLIP, record, publish.

Entry points: `indexer.pipeline.run_index` (the `cmr-search index` run), `indexer.assemble`
(one study's clips and previews), `indexer.upload` (a study uploaded to query by) and
`indexer.pairs` (training pairs for `cmr-search train`).
"""
