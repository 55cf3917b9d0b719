"""The `cmr-search` command line: the top of the house; nothing imports it.

It builds the settings once, composes the packages below (the generator, the reader, the
model, the indexer, search, the web app) and turns their errors into one line each.
"""
