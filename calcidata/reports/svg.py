"""Figures made lighter for the page: a matplotlib SVG drawn the same with fewer bytes."""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter

_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_NO_ROTATION = re.compile(r' transform="rotate\(-?0 [^)]*\)"')
_GEOMETRY = re.compile(
    r'\b(d|x|y|x[12]|y[12]|cx|cy|r|width|height|viewBox|transform|points)="([^"]*)"'
)
_LONG_NUMBER = re.compile(r"-?\d+\.\d{3,}")
_FONT = re.compile(r"font-family: ?([^;\"]+);? ?")
_G_ID = re.compile(r'<g id="([^"]*)"')
_G = re.compile(r"<g\b[^>]*>|</g>")


def _two_decimals(m: re.Match[str]) -> str:
    text = f"{float(m.group(0)):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _unwrap_groups(svg: str) -> str:
    """``svg`` without its ``<g>`` elements that have no attribute (they do nothing)."""
    out: list[str] = []
    kept: list[bool] = []
    at = 0
    for m in _G.finditer(svg):
        out.append(svg[at : m.start()])
        at = m.end()
        tag = m.group(0)
        if tag == "</g>":
            if not kept or kept.pop():
                out.append(tag)
        else:
            kept.append(tag != "<g>")
            if tag != "<g>":
                out.append(tag)
    out.append(svg[at:])
    return "".join(out)


def slim_svg(svg: str) -> str:
    """A matplotlib SVG drawn the same with fewer bytes (about half).

    Its metadata, rotations by 0 degrees, ids nothing refers to, groups of no
    attribute and the white space between elements go; coordinates keep two
    decimals (a hundredth of a point); a font family that every text repeats is
    stated once, on the ``<svg>``, whose text inherits it; a style (with its clip
    path) that several elements repeat becomes a class of the figure
    (:func:`_classes`).
    """
    svg = _NO_ROTATION.sub("", _METADATA.sub("", svg))
    found = _FONT.findall(svg)
    families = set(found)
    if len(found) > 1 and len(families) == 1:
        svg = _FONT.sub("", svg)
        family = html.escape(families.pop(), quote=False).replace('"', "&quot;")
        svg = svg.replace("<svg ", f'<svg style="font-family: {family}" ', 1)
    svg = _GEOMETRY.sub(
        lambda m: f'{m.group(1)}="{_LONG_NUMBER.sub(_two_decimals, m.group(2))}"', svg
    )
    used = set(re.findall(r"#([^\s\"')]+)", svg))
    svg = _G_ID.sub(lambda m: m.group(0) if m.group(1) in used else "<g", svg)
    svg = re.sub(r">\s+<", "><", _unwrap_groups(svg))
    return _classes(re.sub(r"\s*\n\s*", " ", svg).strip())


_STYLED = re.compile(r'(?: clip-path="url\(#([\w.-]+)\)")? style="([^"]*)"')


def _classes(svg: str) -> str:
    """``svg`` with each style (and clip path) that elements repeat stated once, as a class.

    The rules sit in the figure's own ``<style>``, under a class of the figure
    named after its content (an inline SVG's style sheet applies to the whole
    page), so two figures never share a rule by mistake.
    """
    found = Counter(m.group(0) for m in _STYLED.finditer(svg))
    repeated = [a for a, n in found.most_common() if n > 1]
    declarations: dict[str, str] = {}
    for attrs in repeated:
        m = _STYLED.fullmatch(attrs)
        if m is None:
            continue
        style = html.unescape(m.group(2)).replace(": ", ":").replace("; ", ";").strip("; ")
        if m.group(1):
            style += f";clip-path:url(#{m.group(1)})"
        if "<" not in style and "}" not in style:
            declarations[attrs] = style
    if not declarations:
        return svg
    scope = "f" + hashlib.sha1(svg.encode()).hexdigest()[:10]
    names = {attrs: f"s{i}" for i, attrs in enumerate(declarations)}
    rules = "".join(f".{scope} .{names[a]}{{{s}}}" for a, s in declarations.items())
    svg = _STYLED.sub(
        lambda m: f' class="{names[m.group(0)]}"' if m.group(0) in names else m.group(0), svg
    )
    svg = svg.replace("<svg ", f'<svg class="{scope}" ', 1)
    if "</style>" in svg:
        return svg.replace("</style>", f"{rules}</style>", 1)
    return re.sub(r"<svg\b[^>]*>", lambda m: f"{m.group(0)}<style>{rules}</style>", svg, count=1)


__all__ = ["slim_svg"]
