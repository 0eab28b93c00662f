"""Peer reference: the benchmark's content through Typst (the `typst` package from PyPI).

Typst is the fastest typesetter measured for issue 7, so it sets the bar kennisdag-pdf is held
to. The layout lives in brochure.typ; this script only hands it the content and the fonts.
Tagged PDF is switched off: no other engine in the benchmark writes tags, and the comparison is
meant to be of equal work. Run as a whole process by bench/bench.py:

    python bench/peers/typst_brochure.py EVENT.yaml OUT.pdf
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typst

from content import load_brochure

HERE = Path(__file__).resolve().parent
FONTS = HERE.parent.parent / "fonts"


def main() -> None:
    event, output = Path(sys.argv[1]), Path(sys.argv[2])
    content = json.dumps(load_brochure(event).to_dict(), ensure_ascii=False)
    typst.compile(HERE / "brochure.typ", output=output, font_paths=[FONTS],
                  ignore_system_fonts=True, sys_inputs={"content": content}, pdf_tags=False)


if __name__ == "__main__":
    main()
