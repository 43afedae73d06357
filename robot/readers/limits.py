"""Size limits shared by the sources and the readers: a document over the limit is not taken in."""

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
