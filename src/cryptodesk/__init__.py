"""CryptoDesk: a live multi-agent crypto analysis desk."""

__version__ = "0.1.0"
