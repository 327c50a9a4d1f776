"""Import service: one place where uploaded files, URL fetches, bucket drops and storage syncs become tasks.

The API, the S3-event function and the local drop folder all go through here, so a file reads the same way
(same formats, same errors, same Label Studio rules) whichever door it came in by.
"""
