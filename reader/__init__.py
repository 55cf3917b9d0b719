"""Read any CMR archive: discover files, read headers, classify views, find and label reports,
decode pixels, locate the heart; research datasets in NIfTI (ACDC) too.

Entry points: `reader.scan.scan_archive` (studies, views, reports, skipped files) and
`reader.views.load_study_stacks` (the decoded views of one study).
"""
