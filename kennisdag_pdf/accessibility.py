"""A tagged PDF, proven: the Matterhorn Protocol's machine checks read from the file itself, and
page-validation's PDF/UA-1 (and PDF/A) verdicts on its bytes.

A screen reader follows the structure tree, not the page: what is not in the tree and not an
artifact is lost or read out of place, and a tree that points at nothing reads nothing. The
checks here are those of the Matterhorn Protocol 1.1 (PDF/UA-1) that a program can decide; what
only a person can judge (is the Alt text true, is the reading order the visible one) is not
claimed. The file may be anyone's (`kennisdag-pdf check`), so everything is read as pdfin reads
a foreign file: content streams through its budget, values by type, damage reported where it
is met and never a crash; the structure tree is walked without recursion, each element once,
every element charged to the budget.

Two judges, because each misses what the other sees (the reference prototype measured
page-validation blind to an MCID no element refers to).
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass

import pikepdf

from . import pdfin
from .pdfin import Budget, TooComplex, Unexpected

# PDF 1.7 (ISO 32000-1 §14.8.4), on which PDF/UA-1 builds: no Title, Em or Strong here.
STANDARD_TYPES = frozenset("""Document Part Art Sect Div BlockQuote Caption TOC TOCI Index
NonStruct Private P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Span
Quote Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP Figure Formula
Form""".split())
TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"'})
PAINT_OPERATORS = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh"})
HEADING = re.compile(r"H([1-6])")
TABLE_PARTS = frozenset({"TR", "THead", "TBody", "TFoot", "Caption"})
# A ToUnicode value no character can have: PDF/UA-1 (and PDF/A-2a/3a) refuse them.
FORBIDDEN_UNICODE = {0x0000: "U+0000", 0xFEFF: "U+FEFF", 0xFFFE: "U+FFFE"}
MAX_TREE_DEPTH = 256  # structure elements inside each other; pdfin's forms stop at 32
MAX_PAGES_NAMED = 10
VALIDATOR_PROFILES = {"ua1": "PDF/UA-1", "3a": "PDF/A-3a", "3b": "PDF/A-3b", "2a": "PDF/A-2a"}


@dataclass(frozen=True)
class TagFinding:
    """One problem: rule is the Matterhorn checkpoint ("13-004") where the protocol numbers it,
    page-validation's rule id for its verdicts, or a word ("structure", "damage") for what the
    standard requires without a checkpoint of its own."""

    rule: str
    message: str


@dataclass(frozen=True)
class _Element:
    obj: pikepdf.Dictionary
    role: str  # as written in /S
    standard: str  # after the RoleMap
    parent: object  # the parent element's _Element, or None under the StructTreeRoot
    depth: int


class _Findings:
    """Findings in the order met; a problem met on pages is one line naming the pages and how
    often, so that an untagged 500-page file says so in one line, not 50,000."""

    def __init__(self) -> None:
        self._order: list[tuple[str, str]] = []
        self._pages: dict[tuple[str, str], list[int] | None] = {}  # None: not on a page
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, rule: str, message: str) -> None:
        key = (rule, message)
        if key not in self._pages:
            self._order.append(key)
            self._pages[key] = None

    def on_page(self, rule: str, message: str, page: int, times: int = 1) -> None:
        key = (rule, message)
        pages = self._pages.get(key)
        if pages is None:
            self._order.append(key)
            pages = self._pages[key] = []
        if not pages or pages[-1] != page:
            pages.append(page)
        self._counts[key] += times

    def result(self) -> list[TagFinding]:
        out = []
        for key in self._order:
            rule, message = key
            pages = self._pages[key]
            if pages is None:
                out.append(TagFinding(rule, message))
                continue
            count = self._counts[key]
            where = f"page{'s' if len(pages) > 1 else ''} {pdfin.page_runs(pages, MAX_PAGES_NAMED)}"
            times = f" ({count:,} times)" if count > 1 else ""
            out.append(TagFinding(rule, f"{where}: {message}{times}"))
        return out


def check_tags(pdf: pikepdf.Pdf, budget: Budget | None = None, *,
               claimed: bool = True) -> list[TagFinding]:
    """The machine-checkable Matterhorn conditions for pdf, an open file (pdfin.open_foreign);
    empty when none fails. A file without a structure tree gets its document-level findings
    and one saying it is not tagged: its pages are not read. claimed=False: a file tagged
    without claiming PDF/UA (a print file), so a missing claim is no finding. Raises
    TooComplex past the budget."""
    budget = budget or Budget()
    found = _Findings()
    try:
        _document(pdf, found, claimed)
        root = pdf.Root.get("/StructTreeRoot")
    except pdfin.MALFORMED as exc:
        found.add("damage", f"the document catalog cannot be read: {pdfin.described(exc)}")
        return found.result()
    if root is None:
        found.add("01-005", "not tagged: the file has no structure tree, so a screen reader "
                            "cannot tell headings, paragraphs, tables or pictures apart")
        return found.result()
    try:
        _Tree(pdf, root, budget, found).check()
    except RecursionError:
        raise TooComplex("its structure is nested too deep") from None
    return found.result()


def _document(pdf: pikepdf.Pdf, found: _Findings, claimed: bool) -> None:
    root = pdf.Root
    mark_info = pdfin.dictionary(root.get("/MarkInfo"), "MarkInfo")
    if mark_info.get("/Marked") is not True:
        found.add("tagged", "the catalog does not say the file is tagged (MarkInfo /Marked true)")
    if mark_info.get("/Suspects") is True:
        found.add("01-007", "the catalog says its tags are suspect (MarkInfo /Suspects true)")
    lang = root.get("/Lang")
    if not isinstance(lang, pikepdf.String) or not str(lang).strip():
        found.add("11-006", "no document language (/Lang in the catalog): a screen reader "
                            "cannot choose its voice")
    preferences = pdfin.dictionary(root.get("/ViewerPreferences"), "ViewerPreferences")
    shown = preferences.get("/DisplayDocTitle")
    if shown is None:
        found.add("07-001", "the window shows the file name, not the title "
                            "(ViewerPreferences /DisplayDocTitle missing)")
    elif shown is not True:
        found.add("07-002", "the window shows the file name, not the title "
                            "(ViewerPreferences /DisplayDocTitle false)")
    metadata = root.get("/Metadata")
    if not isinstance(metadata, pikepdf.Stream):
        found.add("06-001", "no XMP metadata")
        return
    xmp = pdfin.read_stream(metadata, Budget()).decode("utf-8", "replace")
    if claimed and not re.search(r"pdfuaid:part\s*(?:>\s*|=\s*[\"'])1\b", xmp):
        found.add("06-002", "the XMP metadata does not say PDF/UA-1 (pdfuaid:part 1)")
    if not re.search(r"<dc:title\b", xmp):
        found.add("06-003", "the XMP metadata has no title (dc:title)")


class _Tree:
    """One file's structure tree against its pages: walked once, then each page's content."""

    def __init__(self, pdf: pikepdf.Pdf, root, budget: Budget, found: _Findings) -> None:
        self.pdf = pdf
        self.root = root
        self.budget = budget
        self.found = found
        self.pages: dict[tuple, int] = {}
        self.role_map: dict[str, str] = {}
        self.elements: list[_Element] = []
        # (where, mcid) → elements claiming it; where is a page number or ("form", objgen)
        self.claims: dict[tuple, list[pikepdf.Object]] = defaultdict(list)
        self.annotation_owners: dict[tuple, list[_Element]] = defaultdict(list)
        self.parent_tree: dict[int, object] = {}
        self.in_content: set[tuple] = set()
        self.forms_read: set[tuple] = set()
        self._fonts_read: set[tuple] = set()
        self._without_page = 0
        self._plain_forms: dict[tuple, dict[str, int]] = {}

    def check(self) -> None:
        for number, page in enumerate(self.pdf.pages, 1):
            self.pages[page.obj.objgen] = number
        self._guarded("the structure tree's role map", self._roles)
        self._guarded("the structure tree", self._walk)
        self._guarded("the structure tree", self._elements)
        self._guarded("the structure tree", self._headings)
        self._guarded("the structure tree's ParentTree", self._read_parent_tree)
        self._guarded("the structure tree's ParentTree", self._parent_tree_of_elements)
        unread = set()
        for number, page in enumerate(self.pdf.pages, 1):
            if not self._guarded(f"page {number}", lambda page=page, number=number:
                                 self._page(page.obj, number)):
                unread.add(number)
        # A page that cannot be read has said so; what the tree claims on it is not missing.
        for where, mcid in self.claims:
            if (where, mcid) in self.in_content or where in unread:
                continue
            if isinstance(where, int):
                self.found.on_page("structure", "the structure tree refers to marked content "
                                                "that is not there", where)
            else:
                self.found.add("structure", "the structure tree refers to marked content in a "
                                            "form that is not there")
        if self._without_page:
            self.found.add("structure", f"{self._without_page:,} structure element"
                                        f"{'s refer' if self._without_page > 1 else ' refers'}"
                                        " to marked content without saying on which page (/Pg)")

    def _guarded(self, where: str, action) -> bool:
        try:
            action()
        except pdfin.MALFORMED as exc:
            self.found.add("damage", f"{where} cannot be read: {pdfin.described(exc)}")
            return False
        return True

    # --- the tree ---------------------------------------------------------------------------

    def _roles(self) -> None:
        role_map = pdfin.dictionary(self.root.get("/RoleMap"), "RoleMap")
        for key, value in role_map.items():
            role = str(key)[1:]
            self.role_map[role] = str(value)[1:] if isinstance(value, pikepdf.Name) else ""
            if role in STANDARD_TYPES:
                self.found.add("02-004", f"the standard type {role} is remapped to "
                                         f"{self.role_map[role] or 'nothing'}")

    def standard(self, role: str) -> str:
        seen = set()
        while role not in STANDARD_TYPES and role in self.role_map:
            if role in seen:
                self.found.add("02-003", f"the role map goes round in a circle from {role}")
                break
            seen.add(role)
            role = self.role_map[role]
        return role

    def _walk(self) -> None:
        """Depth first, in reading order, without recursion; each element once."""
        visited: set[tuple] = set()
        stack = [(kid, None, 0, None) for kid in reversed(_kids(self.root.get("/K")))]
        while stack:
            obj, parent, depth, page = stack.pop()
            if not isinstance(obj, pikepdf.Dictionary):
                raise Unexpected("an element of the structure tree is not a dictionary")
            if obj.is_indirect:
                if obj.objgen in visited:
                    self.found.add("structure", "an element of the structure tree appears "
                                                "twice in it (or contains itself)")
                    continue
                visited.add(obj.objgen)
            if depth > MAX_TREE_DEPTH:
                raise TooComplex(f"structure elements nested more than {MAX_TREE_DEPTH} deep")
            self.budget.charge(1)
            role = _name(obj.get("/S"), "structure type")
            element = _Element(obj, role, self.standard(role), parent, depth)
            self.elements.append(element)
            up = obj.get("/P")
            expected = self.root if parent is None else parent.obj
            if not isinstance(up, pikepdf.Dictionary) or not _same(up, expected):
                self.found.add("structure", f"a structure element ({role}) does not point "
                                            "back to its parent (/P)")
            page = obj.get("/Pg", page)
            children = []
            for kid in _kids(obj.get("/K")):
                if isinstance(kid, int) and not isinstance(kid, bool):
                    self._claim(element, page, None, kid)
                elif isinstance(kid, pikepdf.Dictionary):
                    kind = kid.get("/Type")
                    if kind == "/MCR":
                        self._claim(element, kid.get("/Pg", page), kid.get("/Stm"),
                                    pdfin.integer(kid.get("/MCID"), "marked-content reference"))
                    elif kind == "/OBJR":
                        target = kid.get("/Obj")
                        if isinstance(target, pikepdf.Dictionary):
                            self.annotation_owners[target.objgen].append(element)
                    else:
                        children.append(kid)
                else:
                    raise Unexpected("a structure element's /K holds something that is neither "
                                     "an element nor marked content")
            stack.extend((kid, element, depth + 1, page) for kid in reversed(children))

    def _claim(self, element: _Element, page, form, mcid: int) -> None:
        if form is not None:
            if not isinstance(form, pikepdf.Stream):
                raise Unexpected("a marked-content reference's /Stm is not a stream")
            where = ("form", form.objgen)
        elif isinstance(page, pikepdf.Dictionary) and page.objgen in self.pages:
            where = self.pages[page.objgen]
        else:
            self._without_page += 1
            return
        self.claims[(where, mcid)].append(element)

    def _elements(self) -> None:
        self._by_parent: dict[int, list[_Element]] = defaultdict(list)
        for element in self.elements:
            if element.parent is not None:
                self._by_parent[id(element.parent)].append(element)
        content_owners = {id(e) for owners in self.claims.values() for e in owners}
        self._annotations_of: dict[int, list[tuple]] = defaultdict(list)
        for key, owners in self.annotation_owners.items():
            for owner in owners:
                self._annotations_of[id(owner)].append(key)
        for element in self.elements:
            self._element(element, [c.standard for c in self._by_parent.get(id(element), [])],
                          id(element) in content_owners)
        for (where, _), owners in self.claims.items():
            if len(owners) > 1:
                self._on_place("structure", "marked content belongs to more than one "
                                            "structure element", where)

    def _element(self, element: _Element, kids: list[str], has_content: bool) -> None:
        add = self.found.add
        role, kind, obj = element.role, element.standard, element.obj
        above = element.parent.standard if element.parent is not None else None
        if kind not in STANDARD_TYPES:
            add("02-001", f"the structure type {role} is not a standard type and is not "
                          "mapped to one")
        if kind == "Figure" and not (_text(obj.get("/Alt")) or _text(obj.get("/ActualText"))):
            add("13-004", "a picture (Figure) has no alternative text (Alt)")
        if kind == "Table" and (set(kids) - TABLE_PARTS or has_content):
            add("09-004", f"a table holds {_listed(kids, TABLE_PARTS, has_content)} where only "
                          "rows (TR, or THead/TBody/TFoot of rows) belong")
        if kind in ("THead", "TBody", "TFoot") and (set(kids) - {"TR"} or above != "Table"):
            add("09-004", f"a {kind} holds something other than rows or is not in a table")
        if kind == "TR" and (set(kids) - {"TH", "TD"} or has_content
                             or above not in ("Table", "THead", "TBody", "TFoot")):
            add("09-004", "a table row (TR) holds something other than TH/TD cells or is not "
                          "in a table")
        if kind in ("TH", "TD") and above != "TR":
            add("09-004", f"a table cell ({kind}) is not in a row (TR)")
        if kind == "TH" and not _has_scope(obj) and "/ID" not in obj:
            add("15-003", "a table header cell (TH) has no Scope (Row, Column or Both)")
        if kind == "L" and set(kids) - {"LI", "L", "Caption"}:
            add("09-005", "a list (L) holds something other than list items (LI)")
        if kind == "LI" and (set(kids) - {"Lbl", "LBody"} or above != "L"):
            add("09-005", "a list item (LI) holds something other than Lbl/LBody or is not "
                          "in a list")
        if kind in ("Lbl", "LBody") and above != "LI":
            add("09-005", f"a {kind} is not in a list item (LI)")
        if kind == "Link":
            if not any(self._is_link(key) for key in self._annotations_of.get(id(element), ())):
                add("28-011", "a Link element refers to no link annotation (OBJR)")

    def _is_link(self, key: tuple) -> bool:
        try:
            annotation = self.pdf.get_object(key)
        except (pikepdf.PdfError, ValueError):
            return False
        return isinstance(annotation, pikepdf.Dictionary) and annotation.get("/Subtype") == "/Link"

    def _headings(self) -> None:
        levels = [int(m.group(1)) for m in (HEADING.fullmatch(e.standard) for e in self.elements)
                  if m]
        if levels and levels[0] != 1:
            self.found.add("14-002", f"the first heading is H{levels[0]}, not H1")
        for before, after in zip(levels, levels[1:]):
            if after > before + 1:
                self.found.add("14-003", f"a heading level is skipped: H{before} is followed "
                                         f"by H{after}")

    def _read_parent_tree(self) -> None:
        tree = self.root.get("/ParentTree")
        if tree is None:
            if self.claims or self.annotation_owners:
                self.found.add("structure", "the structure tree has no ParentTree: a reader "
                                            "cannot find the element of what it shows")
            return
        visited: set[tuple] = set()
        stack = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            node = pdfin.dictionary(node, "ParentTree node")
            if node.is_indirect:
                if node.objgen in visited:
                    raise Unexpected("its ParentTree contains itself")
                visited.add(node.objgen)
            if depth > MAX_TREE_DEPTH:
                raise TooComplex(f"a ParentTree nested more than {MAX_TREE_DEPTH} deep")
            nums = pdfin.array(node.get("/Nums"), "ParentTree /Nums")
            self.budget.charge(len(nums) // 2 + 1)
            for i in range(0, len(nums) - 1, 2):
                self.parent_tree[pdfin.integer(nums[i], "ParentTree key")] = nums[i + 1]
            stack.extend((kid, depth + 1) for kid in pdfin.array(node.get("/Kids"),
                                                                 "ParentTree /Kids"))

    def _parent_tree_of_elements(self) -> None:
        """Each claimed MCID is found again in the ParentTree under its page's (or form's)
        /StructParents, pointing at the element that claims it."""
        by_where: dict[object, int | None] = {}
        for number, page in enumerate(self.pdf.pages, 1):
            by_where[number] = page.obj.get("/StructParents")
        for (where, mcid), owners in self.claims.items():
            if len(owners) != 1:
                continue
            if isinstance(where, int):
                key = by_where.get(where)
            else:
                key = self.pdf.get_object(where[1]).get("/StructParents")
            if key is None:
                self._on_place("structure", "tagged content but no /StructParents", where)
                continue
            entry = self.parent_tree.get(pdfin.integer(key, "StructParents"))
            if not isinstance(entry, pikepdf.Array) or mcid >= len(entry) \
                    or not _same(entry[mcid], owners[0].obj):
                self._on_place("structure", "the ParentTree does not lead from marked content "
                                            "to its element", where)

    def _on_place(self, rule: str, message: str, where) -> None:
        if isinstance(where, int):
            self.found.on_page(rule, message, where)
        else:
            self.found.add(rule, f"a form: {message}")

    # --- the pages --------------------------------------------------------------------------

    def _page(self, obj, number: int) -> None:
        self._content(pdfin.page_streams(obj), obj.get("/Resources"), number, number, [],
                      set(), 0)
        annotations = pdfin.array(obj.get("/Annots"), "Annots")
        if annotations:
            tabs = obj.get("/Tabs")
            if tabs is None:
                self.found.on_page("28-008", "links or other annotations, but no tab order "
                                             "(/Tabs)", number)
            elif tabs != "/S":
                self.found.on_page("28-009", "the tab order (/Tabs) does not follow the "
                                             "structure (/S)", number)
        for annotation in annotations:
            if not isinstance(annotation, pikepdf.Dictionary):
                raise Unexpected("its Annots holds something that is not an annotation")
            if annotation.get("/Subtype") != "/Link":
                continue
            self.budget.charge(1)
            owners = self.annotation_owners.get(annotation.objgen, [])
            if len(owners) != 1 or owners[0].standard != "Link":
                self.found.on_page("28-011", "a link is not in exactly one Link element",
                                   number)
            if not _text(annotation.get("/Contents")):
                self.found.on_page("28-012", "a link has no description (/Contents)", number)
            key = annotation.get("/StructParent")
            entry = self.parent_tree.get(pdfin.integer(key, "StructParent")) \
                if key is not None else None
            if key is None or len(owners) != 1 or not isinstance(entry, pikepdf.Dictionary) \
                    or not _same(entry, owners[0].obj):
                self.found.on_page("structure", "a link's /StructParent does not lead to its "
                                                "Link element", number)

    def _content(self, streams, resources, page: int, where, stack: list, active: set,
                 depth: int) -> None:
        """where: whose MCIDs these are (the page number, or ("form", objgen)); stack: the
        marked content open around this stream, (tag, mcid key or None)."""
        self.budget.enter(depth)
        key = streams.objgen if isinstance(streams, pikepdf.Stream) else None
        if key is not None and key in active:
            return  # a form that draws itself
        active = active | {key}
        first_reading = where not in self.forms_read
        if not isinstance(where, int):
            self.forms_read.add(where)
        resources = pdfin.dictionary(resources, "Resources")
        stack = list(stack)
        base = len(stack)
        fonts = pdfin.dictionary(resources.get("/Font"), "Font")
        covered = self._is_covered(stack)
        plain = True  # no marked content and no form inside: what it draws is all it does
        drawn: dict[str, int] = defaultdict(int)
        # .operator, not unpacking each instruction: ten times faster on pikepdf's objects
        for instruction in pdfin.operations(streams, self.pdf, self.budget):
            op = str(instruction.operator)
            if op in TEXT_OPERATORS or op in PAINT_OPERATORS or op == "INLINE IMAGE":
                kind = "text" if op in TEXT_OPERATORS else "drawing"
                drawn[kind] += 1
                if not covered:
                    self._uncovered(page, kind)
            elif op in ("BMC", "BDC"):
                plain = False
                self._open(instruction.operands, op, resources, page, where, stack,
                           first_reading)
                covered = self._is_covered(stack)
            elif op == "EMC":
                plain = False
                if len(stack) <= base:
                    self.found.on_page("syntax", "an end of marked content (EMC) without its "
                                                 "beginning", page)
                else:
                    stack.pop()
                    covered = self._is_covered(stack)
            elif op == "Tf" and instruction.operands:
                self._font(fonts.get(instruction.operands[0]), page)
            elif op == "Do" and instruction.operands:
                xobject = pdfin.dictionary(resources.get("/XObject"), "XObject").get(
                    instruction.operands[0])
                if not isinstance(xobject, pikepdf.Stream):
                    continue
                if xobject.get("/Subtype") == "/Form":
                    plain = False
                    self._form(xobject, resources, page, stack, covered, active, depth)
                else:
                    drawn["drawing"] += 1
                    if not covered:
                        self._uncovered(page, "drawing")
        if len(stack) > base:
            self.found.on_page("syntax", "marked content that never ends (BDC/BMC without "
                                         "EMC)", page)
        if plain and not isinstance(where, int):
            self._plain_forms[key] = dict(drawn)

    def _form(self, form, resources, page: int, stack: list, covered: bool, active: set,
              depth: int) -> None:
        """A form drawn: read once; a plain one (the brochure's folios and page numbers, drawn
        on every page) is judged again from what it was seen to draw."""
        kinds = self._plain_forms.get(form.objgen)
        if kinds is None or form.objgen == (0, 0):
            self._content(form, form.get("/Resources", resources), page,
                          ("form", form.objgen), stack, active, depth + 1)
            return
        self.budget.charge(pdfin.MIN_STREAM_COST)
        if not covered:
            for kind, times in kinds.items():
                self._uncovered(page, kind, times)

    def _open(self, operands, op: str, resources, page: int, where, stack: list,
              first_reading: bool) -> None:
        if not operands or not isinstance(operands[0], pikepdf.Name):
            raise Unexpected(f"a marked content ({op}) has no tag")
        tag = str(operands[0])[1:]
        mcid = None
        if op == "BDC" and len(operands) > 1:
            properties = operands[1]
            if isinstance(properties, pikepdf.Name):
                properties = pdfin.dictionary(resources.get("/Properties"),
                                              "Properties").get(properties)
            if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                mcid = pdfin.integer(properties.get("/MCID"), "MCID")
        artifact = any(t == "Artifact" for t, _ in stack)
        tagged = any(m is not None for _, m in stack)
        if tag == "Artifact" and tagged:
            self.found.on_page("01-003", "an artifact inside tagged content", page)
        if mcid is not None:
            if tag == "Artifact":
                self.found.on_page("01-004", "an artifact carries a marked-content id", page)
            elif artifact:
                self.found.on_page("01-004", "tagged content inside an artifact: a screen "
                                             "reader skips it", page)
            if tagged:
                self.found.on_page("structure", "tagged content inside other tagged content",
                                   page)
            if first_reading:
                if (where, mcid) in self.in_content:
                    self.found.on_page("structure", f"marked content {mcid} is used twice",
                                       page)
                self.in_content.add((where, mcid))
                if not self.claims.get((where, mcid)):
                    self.found.on_page("01-005", "marked content that no structure element "
                                                 "refers to", page)
        stack.append((tag, (where, mcid) if mcid is not None else None))

    def _is_covered(self, stack: list) -> bool:
        """What is drawn here is an artifact, or the innermost marked content is claimed by
        exactly one element."""
        if any(tag == "Artifact" for tag, _ in stack):
            return True
        keys = [key for _, key in stack if key is not None]
        return bool(keys) and len(self.claims.get(keys[-1], ())) == 1

    def _uncovered(self, page: int, what: str, times: int = 1) -> None:
        self.found.on_page("01-005", f"{what} that is neither tagged nor an artifact", page,
                           times)

    def _font(self, font, page: int) -> None:
        if not isinstance(font, pikepdf.Dictionary) or font.objgen in self._fonts_read:
            return
        if font.is_indirect:
            self._fonts_read.add(font.objgen)
        cmap = font.get("/ToUnicode")
        if not isinstance(cmap, pikepdf.Stream):
            return
        data = pdfin.read_stream(cmap, self.budget)
        self.budget.charge(pdfin.tokens_at_most(data))
        bad = _forbidden_values(data.decode("latin-1"))
        if bad:
            base = str(font.get("/BaseFont", "/(unnamed)"))[1:]
            self.found.on_page("fonts", f"the font {base} maps characters to {bad} "
                                        "(ToUnicode): they cannot be read out", page)


def _forbidden_values(cmap: str) -> str:
    """The forbidden values among a ToUnicode CMap's destinations ('U+0000, U+FEFF'), or ''."""
    found = set()

    def check(hex_value: str) -> None:
        if len(hex_value) == 4 and int(hex_value, 16) in FORBIDDEN_UNICODE:
            found.add(FORBIDDEN_UNICODE[int(hex_value, 16)])

    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        values = re.findall(r"<([0-9A-Fa-f\s]*)>", block)
        for destination in values[1::2]:
            check(re.sub(r"\s", "", destination))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, rest in re.findall(
                r"<([0-9A-Fa-f\s]*)>\s*<([0-9A-Fa-f\s]*)>\s*(<[0-9A-Fa-f\s]*>|\[[^\]]*\])",
                block):
            if rest.startswith("["):
                for destination in re.findall(r"<([0-9A-Fa-f\s]*)>", rest):
                    check(re.sub(r"\s", "", destination))
                continue
            start = re.sub(r"[\s<>]", "", rest)
            try:
                span = int(re.sub(r"\s", "", high), 16) - int(re.sub(r"\s", "", low), 16)
                first = int(start, 16)
            except ValueError:
                continue
            if len(start) == 4:
                for value in FORBIDDEN_UNICODE:
                    if first <= value <= first + max(span, 0):
                        found.add(FORBIDDEN_UNICODE[value])
    return ", ".join(sorted(found))


def validate_ua(data: bytes, profiles: tuple[str, ...] = ("ua1",)) -> list[TagFinding]:
    """page-validation's verdicts on the bytes, for each profile ("ua1", "3a", …): one finding
    per rule failed, the message led by the profile's name; empty when every profile approves.
    A file the validator cannot judge is a finding too, never an exception."""
    out: list[TagFinding] = []
    for profile in profiles:
        label = VALIDATOR_PROFILES.get(profile, profile)
        verdict = _verdict(data, profile)
        if "problem" in verdict:
            out.append(TagFinding("validator", f"{label}: page-validation cannot judge the file "
                                               f"({verdict['problem'][:200]})"))
        elif not verdict["compliant"]:
            for rule, message in verdict["failures"]:
                out.append(TagFinding(rule, f"{label}: {message.strip()}"))
            if not verdict["failures"]:
                out.append(TagFinding("validator", f"{label}: not approved "
                                                   f"({verdict['failed']} rules failed)"))
    return out


# page-validation 0.11 follows some chains of objects (an outline's /Next, measured) by
# recursion whatever its reference-depth limit says: a 20,000-entry outline overflows an 8 MB
# stack and kills the process (SIGSEGV), so it runs on a thread with a stack that holds far
# more. Its depth limit is raised from 256 to 4,096 and no further: along such a chain it
# also takes memory in the square of its length (an outline of 8,300 entries: 660 MB, 16,000:
# 2.2 GB, measured), so the brochure's own outline never has more than a hundred or so
# entries in one row (parts/theses.py groups the theses of a long event).
VALIDATOR_STACK = 256 * 1024 * 1024
VALIDATOR_REFERENCE_DEPTH = 4096
# and its table limit from 1,024 rows: the participant list is one table of up to 20,000 rows
# (model.py), 1,025 in the 1,011-page event of `make bench`.
VALIDATOR_TABLE_ROWS = 32_768
# It also keeps a pool of threads (Rust's rayon) that a forked child does not inherit: there
# it waits for ever. A process forked from one that had loaded it (a `check` in a child under
# the memory ceiling, the fuzz tests' children) asks a new interpreter instead. Loaded is
# what a fork can see, used is not: whoever loaded it, this module or another, may have used
# it.
_forked_after_validator = False


def _note_fork() -> None:
    global _forked_after_validator
    if "page" in sys.modules:
        _forked_after_validator = True


os.register_at_fork(after_in_child=_note_fork)


def _verdict(data: bytes, profile: str) -> dict:
    """{"compliant", "failures": [(rule, message)], "failed"}, or {"problem": why not}."""
    if _forked_after_validator:
        return _verdict_in_new_process(data, profile)
    return _verdict_on_big_stack(data, profile)


def _verdict_on_big_stack(data: bytes, profile: str) -> dict:
    import threading

    import page

    outcome: list[dict] = []

    def run() -> None:
        try:
            limits = page.SafetyLimits(max_input_size=pdfin.MAX_PDF_BYTES,
                                       max_reference_depth=VALIDATOR_REFERENCE_DEPTH,
                                       max_table_grid_rows=VALIDATOR_TABLE_ROWS)
            report = page.validate_pdf_bytes(data, profile=profile, limits=limits)
            outcome.append({"compliant": bool(report.is_compliant),
                            "failures": [(str(f.rule_id), str(f.message))
                                         for f in report.failures],
                            "failed": int(report.rules.failed)})
        except page.PageError as exc:
            outcome.append({"problem": str(exc) or type(exc).__name__})
        except MemoryError:
            outcome.append({"problem": "it needs more memory than allowed"})

    previous = threading.stack_size(VALIDATOR_STACK)
    try:
        worker = threading.Thread(target=run, name="page-validation", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    return outcome[0] if outcome else {"problem": "it stopped without a verdict"}


def _verdict_in_new_process(data: bytes, profile: str) -> dict:
    import json
    import subprocess

    try:
        done = subprocess.run(
            [sys.executable, "-c", "from kennisdag_pdf.accessibility import _serve; _serve()",
             profile], input=data, capture_output=True, timeout=pdfin.MAX_SECONDS)
    except subprocess.TimeoutExpired:
        return {"problem": f"no verdict after {pdfin.MAX_SECONDS:.0f} seconds"}
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"problem": f"the validator stopped (exit {done.returncode})"}


def _serve() -> None:
    """The new interpreter's side of _verdict_in_new_process: bytes in, verdict out."""
    import json

    verdict = _verdict_on_big_stack(sys.stdin.buffer.read(), sys.argv[1])
    sys.stdout.write(json.dumps(verdict))


def tree_lines(pdf: pikepdf.Pdf, budget: Budget | None = None) -> list[str]:
    """The structure tree as indented lines, roles with their marked content and Alt: for
    reading a build's tags, and for tests that hold a tree against its expected shape."""
    budget = budget or Budget()
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return []
    tree = _Tree(pdf, root, budget, _Findings())
    for number, page in enumerate(pdf.pages, 1):
        tree.pages[page.obj.objgen] = number
    tree._roles()
    tree._walk()
    contents: dict[int, list[str]] = defaultdict(list)
    for (where, mcid), owners in tree.claims.items():
        for owner in owners:
            place = f"p{where}" if isinstance(where, int) else "form"
            contents[id(owner)].append(f"{place}:{mcid}")
    lines = []
    for element in tree.elements:
        line = "  " * element.depth + element.role
        if element.standard != element.role:
            line += f" ({element.standard})"
        if contents.get(id(element)):
            line += " [" + " ".join(contents[id(element)]) + "]"
        alt = element.obj.get("/Alt")
        if alt is not None:
            line += f' Alt="{str(alt)}"'
        lines.append(line)
    return lines


# --- values ------------------------------------------------------------------------------------


def _kids(value) -> list:
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _name(value, what: str) -> str:
    if not isinstance(value, pikepdf.Name):
        raise Unexpected(f"a {what} is not a name")
    return str(value)[1:]


def _same(a, b) -> bool:
    if a.is_indirect and b.is_indirect:
        return a.objgen == b.objgen
    return a.is_indirect == b.is_indirect and a == b


def _text(value) -> str:
    return str(value).strip() if isinstance(value, pikepdf.String) else ""


def _has_scope(obj) -> bool:
    attributes = obj.get("/A")
    for entry in _kids(attributes):
        if isinstance(entry, pikepdf.Dictionary) and entry.get("/O") == "/Table" and \
                entry.get("/Scope") in ("/Row", "/Column", "/Both"):
            return True
    return False


def _listed(kids: list[str], allowed: set[str], has_content: bool) -> str:
    wrong = sorted(set(kids) - allowed)
    parts = [", ".join(wrong)] if wrong else []
    if has_content:
        parts.append("content of its own")
    return " and ".join(parts)
