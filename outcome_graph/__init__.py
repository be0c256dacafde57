"""Outcome Graph: learning-outcome results and mastery rollups as a GraphQL API."""

__version__ = "0.1.0"
