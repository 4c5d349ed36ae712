# The service's version, as the API documentation and backups' manifests state it.
__version__ = "1.0"
