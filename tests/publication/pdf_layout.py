"""Text layout of a PDF as pdfium lays it out: every word's box per page, and the two faults a
reader sees on paper: words drawn over each other, and words outside the printable area (cut off
at the page edge, or drawn outside an SVG chart's box, which WeasyPrint clips).

WeasyPrint writes SVG <text> as real PDF text (inside a form XObject); pdfium's text page
returns those characters in page coordinates too, so chart labels are checked like body text.
Boxes are pdfium's tight glyph boxes (``get_charbox``), in PDF points with the origin at the
bottom left of the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium

MM = 72 / 25.4
# The @page margins of templates/reports/_base.html (top, right, bottom, left), in mm.
PAGE_MARGINS_MM = (18.0, 16.0, 20.0, 16.0)
# Where a printer may still print: the footer (page number) sits in the bottom margin, but no
# text may come closer than this to any edge of the sheet.
SHEET_EDGE_MM = 5.0


@dataclass(frozen=True)
class Word:
    page: int  # 1-based
    line: int  # running number of the text line the word was read from
    text: str
    left: float
    bottom: float
    right: float
    top: float

    def overlap(self, other: Word) -> tuple[float, float]:
        """Width and height of the intersection of the two boxes (0 when they do not meet)."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.top, other.top) - max(self.bottom, other.bottom)
        return max(width, 0.0), max(height, 0.0)

    def __str__(self) -> str:
        return (
            f"p{self.page} {self.text!r} at ({self.left:.1f}, {self.bottom:.1f})–"
            f"({self.right:.1f}, {self.top:.1f})"
        )


def _same_run(previous: tuple, box: tuple) -> bool:
    """Whether the glyph ``box`` continues the glyph ``previous`` on the same line: it starts
    where the previous one ends (a small gap, kerning, or the same box: pdfium gives each letter
    of a ligature such as "ff" or "fi" the ligature's box) and shares its vertical band."""
    height = max(previous[3] - previous[1], box[3] - box[1], 1.0)
    gap = box[0] - previous[2]
    vertical = min(previous[3], box[3]) - max(previous[1], box[1])
    return box[0] >= previous[0] - 0.5 and gap <= 0.6 * height and vertical > 0.2 * height


def _union(box: list[float] | None, glyph: tuple) -> list[float]:
    if box is None:
        return list(glyph)
    return [
        min(box[0], glyph[0]),
        min(box[1], glyph[1]),
        max(box[2], glyph[2]),
        max(box[3], glyph[3]),
    ]


def _words_of_page(textpage, page: int, line: int) -> tuple[list[Word], int]:
    """The words of one page and the next free line number. A word is a run of non-blank
    characters that follow each other on one line; whitespace, the line breaks pdfium generates
    and a jump in position end it. A new line starts at every line break pdfium reports or a
    jump backwards."""
    text = textpage.get_text_range()
    words: list[Word] = []
    run: list[tuple[str, tuple]] = []

    def flush(run, line):
        if run:
            box = None
            for _char, glyph in run:
                box = _union(box, glyph)
            words.append(Word(page, line, "".join(c for c, _glyph in run), *box))
        return []

    for index in range(textpage.count_chars()):
        char = text[index] if index < len(text) else textpage.get_text_range(index, 1)
        if char in "\r\n" or not char.strip():
            run = flush(run, line)
            line += char == "\n"
            continue
        glyph = tuple(textpage.get_charbox(index))
        if glyph[2] <= glyph[0] and glyph[3] <= glyph[1]:
            continue  # a glyph without ink (pdfium's generated characters)
        if run and not _same_run(run[-1][1], glyph):
            backwards = glyph[0] < run[-1][1][0]
            run = flush(run, line)
            line += backwards
        run.append((char, glyph))
    flush(run, line)
    return words, line + 1


def page_words(data: bytes) -> tuple[list[tuple[float, float]], list[list[Word]]]:
    """(page sizes, the words of each page) of the PDF ``data``."""
    document = pdfium.PdfDocument(data)
    sizes, pages = [], []
    line = 0
    try:
        for number in range(len(document)):
            page = document[number]
            sizes.append(page.get_size())
            textpage = page.get_textpage()
            words, line = _words_of_page(textpage, number + 1, line)
            pages.append(words)
            textpage.close()
            page.close()
    finally:
        document.close()
    return sizes, pages


def overlapping_words(words: list[Word], tolerance: float = 0.6) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes overlap by more than ``tolerance`` points both ways: text
    drawn over other text (an overflowing table header, a chart label over another)."""
    found = []
    ordered = sorted(words, key=lambda w: w.left)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.left >= first.right - tolerance:
                break
            width, height = first.overlap(second)
            if width > tolerance and height > tolerance:
                found.append((first, second))
    return found


def words_outside_printable_area(words: list[Word], size: tuple[float, float]) -> list[Word]:
    """Words outside the page's content box (the @page margins). The footer in the bottom
    margin is the one exception, as long as it keeps ``SHEET_EDGE_MM`` from the sheet's edge."""
    width, height = size
    top, right, bottom, left = (m * MM for m in PAGE_MARGINS_MM)
    edge, tolerance = SHEET_EDGE_MM * MM, 0.5
    outside = []
    for word in words:
        inside_x = word.left >= left - tolerance and word.right <= width - right + tolerance
        in_body = word.bottom >= bottom - tolerance and word.top <= height - top + tolerance
        in_footer = word.bottom >= edge and word.top <= bottom
        if not (inside_x and (in_body or in_footer)):
            outside.append(word)
    return outside


def layout_faults(data: bytes) -> list[str]:
    """Every fault of the PDF's text layout, one line each (empty: the layout reads right)."""
    sizes, pages = page_words(data)
    faults = []
    for number, (size, words) in enumerate(zip(sizes, pages, strict=True), start=1):
        if not words:
            faults.append(f"p{number}: no text on the page")
        for first, second in overlapping_words(words):
            faults.append(f"overlap: {first}  ×  {second}")
        for word in words_outside_printable_area(words, size):
            faults.append(f"outside the printable area: {word}")
    return faults
