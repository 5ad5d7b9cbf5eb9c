"""Files and the database in step: import, export, three-way merge, sync state, locks, the render pool."""
