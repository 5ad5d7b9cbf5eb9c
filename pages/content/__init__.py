"""Markdown and files: front matter, the markdown engine, Jekyll compatibility, the sanitiser,
sections, page URLs from paths, navigation order. Pure: no database.
"""
