"""Encrypted, integrity-checked backups of the whole database: `inbeeld backup` / `inbeeld restore`.

archive.py holds the file format (frames encrypted with Fernet, checksums, keys); services.py
decides what is dumped and how a backup is loaded into an empty database. See docs/backup.md.
"""
