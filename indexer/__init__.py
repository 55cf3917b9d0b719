"""Read any CMR archive: discover files, read headers, classify views, find reports, build clips.

Entry points: `indexer.scan.scan_archive` (studies, views, reports, skipped files) and
`indexer.assemble.assemble_study` (model clips and previews for one study).
"""
