"""Mosty: operational support for civil society under authoritarian pressure."""

__version__ = "0.1.0"
