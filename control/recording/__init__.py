"""Recordings of calls: the archive (storage, metadata, links, retention); capture lives beside it."""
