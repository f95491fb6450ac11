"""Makes the shipped Chinese fonts: Noto Sans CJK SC (SIL Open Font Licence
1.1, `reports/fonts/NotoSansCJK-LICENSE.txt`) cut down to the characters of
GB 2312 (the 6,763 hanzi of levels 1 and 2 with its symbols, Greek, Cyrillic
and kana), the CJK punctuation block and the full-width forms, without
OpenType layout features (the report sets text left to right, unshaped).

Latin, its combining marks and the common punctuation and mathematical
symbols are kept too: a chart label mixing Chinese and Latin is then set
wholly in this font, since the SVG renderer falls back font by font for a
whole label, and gives up when the fonts shape it into different numbers
of glyphs (DejaVu Sans' "fl" ligature).

Usage, with fontTools from PyPI and Debian's fonts-noto-cjk unpacked:
    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb noto
    python scripts/subset-cjk-font.py noto/usr/share/fonts/opentype/noto reports/fonts
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection


def gb2312_characters():
    """Every code point GB 2312 encodes (two bytes, each 0xA1 to 0xFE)."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return found


def main(source: Path, target: Path):
    characters = gb2312_characters() | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for first, last in [(0x20, 0x7E), (0xA0, 0x17F), (0x300, 0x36F), (0x2000, 0x206F), (0x2190, 0x22FF)]:
        characters |= set(range(first, last + 1))
    for weight in ["Regular", "Bold"]:
        collection = TTCollection(source / f"NotoSansCJK-{weight}.ttc")
        font = next(f for f in collection.fonts if f["name"].getDebugName(1).endswith(" SC"))
        options = subset.Options()
        options.layout_features = []
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=characters)
        subsetter.subset(font)
        font.save(target / f"NotoSansSC-{weight}-GB2312.otf")
        print(weight, len(characters), "characters", font["maxp"].numGlyphs, "glyphs")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
