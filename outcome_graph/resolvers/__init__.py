"""Behaviour behind fields: access checks, filters, sorting, paging. Never imports schema/."""
