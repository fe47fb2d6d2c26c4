"""Store: the SQLite store of snapshots, the patent aggregates kept with every import, backups, users and audit."""
