"""Text of Word runs and Excel cells, before anything else reads it.

The one seam for legacy Vietnamese fonts: every run or cell text of an Office file passes
through :func:`office_text` with the name of the font it is set in, so a decoder for the
pre-Unicode encodings (TCVN3 ``.VnTime``, VNI ``VNI-Times``) plugs in here, and only here,
for .docx, .doc, .xlsx and .xls alike.
"""

from __future__ import annotations

import unicodedata


def office_text(text: str, font_name: str | None) -> str:
    """A run's or cell's text as Unicode NFC.

    `font_name` is the run's effective font (Word) or the cell's font (Excel); the legacy
    decoder (TCVN3/VNI, from the PDF-forms work) is called here once it exists.
    """
    return unicodedata.normalize("NFC", text)
