"""Backups of a whole installation: the database and every stored picture.

A backup is a folder:

    manifest.json        what is in it, with the size and sha256 of every file
    database.dump        pg_dump's custom format, taken from one snapshot
    pictures/<key>       each picture the dumped rows refer to, as image_saver stores it

`manifest` reads and checks that folder, `database` runs pg_dump/pg_restore and holds
the snapshot, `pictures` copies bytes through image_saver's HTTP API, and `run` puts
them together for `python -m app backup | backup --verify | restore`. docs/operations.md
("Backups") explains why what is copied is consistent while the service keeps serving.
"""
