"""The editors' side: the admin, its forms and views, the one save path, drafts, restoring, roles."""
