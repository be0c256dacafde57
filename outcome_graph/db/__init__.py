"""Persistence: models, engine, batch loads, queries, writes and the job queue. No strawberry here."""
