"""Cloud storages: a project's connections to a user's own S3 bucket (Label Studio's `io_storages`).

Source storages turn objects into tasks (importing.py), target storages receive annotations (exporting.py);
service.py keeps the records and runs syncs, source.py is the port to the bucket. Nothing is imported here,
so the annotation service can import the push hook without pulling in the import machinery.
"""
