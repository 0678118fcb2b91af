"""Direct uploads: the browser posts a file to storage (S3 presigned POST or our own URL), then a
create or update names it as ``X_upload``; the server verifies it and runs the ordinary intake."""
