"""Kafka → Sitecore CDP order worker."""

__version__ = "0.1.0"
