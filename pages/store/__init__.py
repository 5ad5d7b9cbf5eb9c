"""The stored site beside the models: the content version, the site settings, what a save writes
besides the page, revisions, the search index, uploaded files.
"""
