"""The one-machine runtime behind `skylabel start`: it plays API Gateway (HTTP → v2 events), S3 (a folder
with app-signed URLs) and Step Functions (a thread pool running the same step handlers)."""
