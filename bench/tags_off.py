"""The command line with tagging switched off, for the tagging bench's like-for-like figure:
no marked content, no line-end spaces, no structure tree, and the self-check's tag rules left
out (there are no tags to judge), nor page-validation's verdict; the layout is the same (the
same pages). For measuring only: `python bench/tags_off.py build EVENT -o PDF`.
"""

from __future__ import annotations

import contextlib

from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

import kennisdag_pdf.accessibility as accessibility
import kennisdag_pdf.document as document
import kennisdag_pdf.preflight as preflight
import kennisdag_pdf.tagging as tagging


class NullTags(tagging.Tags):
    """Records nothing and writes no marked content."""

    def begin(self, element, flowable):
        return None

    def end(self, opened) -> None:
        pass

    @contextlib.contextmanager
    def artifact(self, kind, subtype=None):
        yield

    def begin_inline(self, element, flowable, base_font):
        return None

    def end_inline(self, opened) -> None:
        pass

    def end_page(self) -> None:
        pass

    def text_drawn(self, text_object) -> None:
        pass

    def annotation_added(self, annotation) -> None:
        pass


accessibility.validate_ua = lambda *_, **__: []
tagging.Tags = NullTags
tagging.BrochureCanvas.beginText = lambda self, x=0, y=0, direction=None: PDFTextObject(
    self, x, y, direction=direction)
tagging.BrochureCanvas.lines = Canvas.lines
document.write_structure = lambda canvas, root: None
preflight._tag_findings = lambda *_, **__: []

if __name__ == "__main__":
    from kennisdag_pdf.cli import main

    main()
