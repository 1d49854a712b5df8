"""``liudong backup`` and ``liudong restore``: the database and the private files in one tar
archive with a manifest (decisions 185–187).

The archive holds ``database.pgdump`` (PostgreSQL, ``pg_dump`` custom format) or
``database.sqlite3`` (SQLite, the backup API's copy), ``files/<name>`` for every file of the
private storage (``settings.STORAGES["private"]``: attachments, photos, census uploads; the
census files are encrypted with the field key, the others as the storage keeps them), and
``manifest.json`` last: the format version, the applied migrations, every table's row
count and checksum (:mod:`.checksums`), every member's size and SHA-256, and a fingerprint
of the field key. The key itself is never in it: it is kept apart (the deployment's secret
store), and a restore refuses an archive made under another key unless told to go on.
"""
