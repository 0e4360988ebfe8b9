"""Nightly tagging pipeline: the pure tagger and its codebook."""

from pipeline.codebook import Addition, load_codebook
from pipeline.tagger import TagResult, build_tagger, tag_text, tagger_version

__all__ = [
    "TAGGER_VERSION",
    "Addition",
    "TagResult",
    "build_tagger",
    "load_codebook",
    "tag_text",
    "tagger_version",
]

#: Version of the bundled codebook as the tagger reports it: "<codebook version>+<file hash>".
TAGGER_VERSION: str = tagger_version()
