"""Traditional Chinese read as Simplified (OpenCC), character for character.

The codebook's Chinese is Simplified; attendees from Hong Kong, Macao, Taiwan and the diaspora
write Traditional. The tagger matches on the Simplified form and quotes its evidence from the
text as written: that needs a conversion that keeps every character in its place, so a
conversion that changes the length (a rare phrase mapping) falls back to one character at a time.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# Taiwan's and Hong Kong's variants, then standard Traditional, to Simplified (OpenCC's own
# configurations); Simplified text passes through unchanged
_CONVERTERS = (opencc.OpenCC("tw2s"), opencc.OpenCC("hk2s"))
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


def _convert(text: str) -> str:
    for converter in _CONVERTERS:
        text = converter.convert(text)
    return text


def _traditional_class() -> re.Pattern[str]:
    """The characters the conversion changes, found once (one call over every CJK character)."""
    chars = "".join(chr(code) for start, stop in _CJK_RANGES for code in range(start, stop))
    converted = _convert(chars)
    if len(converted) != len(chars):  # a phrase mapping changed the length: ask char by char
        changed = [char for char in chars if _convert(char) != char]
    else:
        changed = [a for a, b in zip(chars, converted, strict=True) if a != b]
    return re.compile("[" + re.escape("".join(changed)) + "]")


_TRADITIONAL = _traditional_class()


def to_simplified(text: str) -> str:
    """``text`` in Simplified characters, with the same length and the same places."""
    if not _TRADITIONAL.search(text):
        return text
    converted = _convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_char(char) for char in text)


@lru_cache(maxsize=4096)
def _char(char: str) -> str:
    converted = _convert(char)
    return converted if len(converted) == 1 else char
