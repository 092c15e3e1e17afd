//! Content-like keywords and their inspection of a buffer (in progress).
