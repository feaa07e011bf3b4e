"""Sideways text pages: the frame in which a page's characters stand upright.

pdfplumber reports characters in the displayed frame (``/Rotate`` applied). A page whose
``/Rotate`` turns its text sideways, or whose content is drawn rotated (a landscape table
stored on a portrait page with a rotated matrix), then has characters that run up or down
the screen. The page is read as a person would turn it: the direction most of its
characters run in (from their text matrix) decides a quarter turn, and characters and
ruling lines are carried into that frame, where the usual reading applies. Scans make the
same decision with OSD (:mod:`extractors.scanned`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Share of the characters that must run one way before the page is turned that way.
MIN_SHARE = 0.6


@dataclass(frozen=True)
class Frame:
    """A quarter turn clockwise (0, 90, 180, 270) of a displayed page of width x height."""

    turn: int
    width: float
    height: float

    @property
    def upright_size(self) -> tuple[float, float]:
        return (self.height, self.width) if self.turn in (90, 270) else (self.width, self.height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A displayed point (top-left origin) in the turned frame."""
        if self.turn == 90:
            return self.height - y, x
        if self.turn == 180:
            return self.width - x, self.height - y
        if self.turn == 270:
            return y, self.width - x
        return x, y

    def box(self, x0: float, top: float, x1: float, bottom: float) -> tuple[float, float, float, float]:
        (ax, ay), (bx, by) = self.point(x0, top), self.point(x1, bottom)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def char_turn(matrix: tuple[float, ...]) -> int:
    """How far a character's baseline is turned on screen: 0 reads left to right, 90 runs down
    the screen, 180 upside down, 270 runs up (PDF matrices have y up)."""
    a, b = matrix[0], matrix[1]
    angle = math.degrees(math.atan2(-b, a)) % 360  # screen y points down
    return int(round(angle / 90)) % 4 * 90


def page_frame(chars: Iterable[dict], width: float, height: float) -> Frame:
    """The turn that makes most characters upright (0 where they already are or no way dominates)."""
    counts = Counter(char_turn(c["matrix"]) for c in chars if c.get("text", "").strip() and "matrix" in c)
    total = sum(counts.values())
    if not total:
        return Frame(0, width, height)
    direction, n = counts.most_common(1)[0]
    if direction == 0 or n < MIN_SHARE * total:
        return Frame(0, width, height)
    # text running down the screen (90) reads upright after a quarter turn counter-clockwise
    return Frame((360 - direction) % 360, width, height)


def turn_char(char: dict, frame: Frame) -> dict:
    """A character in the turned frame: its box moved, upright where the page's text is."""
    if frame.turn == 0:
        return char
    x0, top, x1, bottom = frame.box(char["x0"], char["top"], char["x1"], char["bottom"])
    turned = (char_turn(char["matrix"]) + frame.turn) % 360
    page_height = frame.upright_size[1]
    offset = char.get("doctop", char["top"]) - char["top"]  # pdfplumber clusters words by doctop
    size = bottom - top if frame.turn in (90, 270) else char.get("size", bottom - top)
    return dict(
        char,
        x0=x0,
        top=top,
        x1=x1,
        bottom=bottom,
        width=x1 - x0,
        height=bottom - top,
        size=size,
        doctop=top + offset,
        y0=page_height - bottom,
        y1=page_height - top,
        upright=turned == 0,
        matrix=(1.0, 0.0, 0.0, 1.0, x0, page_height - bottom) if turned == 0 else char["matrix"],
    )


def turn_edge(edge: dict, frame: Frame) -> dict:
    if frame.turn == 0:
        return edge
    x0, top, x1, bottom = frame.box(edge["x0"], edge["top"], edge["x1"], edge["bottom"])
    return dict(edge, x0=x0, top=top, x1=x1, bottom=bottom)
