"""Object storage: one async interface over S3/MinIO and the local filesystem."""

from kit.storage.base import InvalidKey, ObjectNotFound, ObjectStore, StoredObject, validate_key
from kit.storage.factory import StorageSettings, build_store
from kit.storage.local import LocalStore
from kit.storage.s3 import S3Store

__all__ = [
    "InvalidKey",
    "LocalStore",
    "ObjectNotFound",
    "ObjectStore",
    "S3Store",
    "StorageSettings",
    "StoredObject",
    "build_store",
    "validate_key",
]
