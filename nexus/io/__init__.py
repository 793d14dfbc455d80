"""Lowest layer of nexus beside ``errors``: atomic writes and version collection.

Everything that writes a file or a set of files that a reader may open while
the writer is killed goes through here, so that a reader sees the old or the
new content, never a half-written mix.
"""
