"""Test support, outside the app: fakes of the services we call, media built on demand, a live
gunicorn, database helpers and the test settings. Nothing in production imports it."""
