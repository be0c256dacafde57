"""Rollup recalculation jobs: the worker that claims and runs them (queue rows live in db/jobs.py)."""
