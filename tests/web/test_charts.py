"""The console's SVG charts: well-formed SVG (lxml's strict XML parser), hostile labels inert, the
marks where the numbers put them."""

from __future__ import annotations

import pytest
from lxml import etree

from robot.web import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = (
    "<script>alert(1)</script>",
    '"><svg onload=alert(2)>',
    "A&B </text><foreignObject><iframe src=x></iframe></foreignObject>",
    "nul\x00 esc\x1b vt\x0b and a lone \ud800 surrogate",
    "]]><!ENTITY x SYSTEM 'file:///etc/passwd'>&x;",
)


def parse(svg: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(svg.encode("utf-8"), parser)
    assert root.tag == f"{SVG}svg"
    return root


def assert_inert(root: etree._Element) -> None:
    allowed = {f"{SVG}{t}" for t in ("svg", "title", "g", "text", "rect", "line", "polyline", "circle")}
    for el in root.iter():
        assert el.tag in allowed, f"unexpected element {el.tag}"
        for name in el.attrib:
            assert not name.lower().startswith("on"), f"event handler {name} on {el.tag}"
            assert name not in ("style", "href", "{http://www.w3.org/1999/xlink}href"), name


def texts(root: etree._Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text", f"{SVG}title")]


def test_bars_with_hostile_labels_are_valid_svg_and_show_the_text_literally() -> None:
    items = [(label, float(i + 1)) for i, label in enumerate(HOSTILE)]
    root = parse(charts.bars(items, title="<b>Holds</b> & returns"))
    assert_inert(root)
    shown = texts(root)
    assert "<b>Holds</b> & returns" in shown  # the chart's title, as text
    for label, value in items:
        clean = label.replace("\x00", "\ufffd").replace("\x1b", "\ufffd").replace("\x0b", "\ufffd")
        clean = clean.replace("\ud800", "\ufffd")
        assert f"{clean}: {value:.0f}" in shown  # the full label in the bar's tooltip
    assert root.get("aria-label") == "<b>Holds</b> & returns"


def test_bar_lengths_follow_the_values() -> None:
    root = parse(charts.bars([("a", 50), ("b", 25), ("c", 0)], title="t"))
    widths = [float(r.get("width", "nan")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0
    assert max(widths) <= 640


def test_long_labels_are_cut_on_the_chart_but_whole_in_the_tooltip() -> None:
    name = "Leverandøren med det meget lange navn A/S, afdeling Nordjylland"
    root = parse(charts.bars([(name, 3)], title="t"))
    visible = [t for t in texts(root) if t.endswith("…")]
    assert visible and len(visible[0]) == 32 and name.startswith(visible[0][:-1])
    assert f"{name}: 3" in texts(root)


def test_lines_break_at_missing_values_and_label_every_point() -> None:
    weeks = ["2026-W47", "2026-W48", "2026-W49", "2026-W50"]
    root = parse(
        charts.lines(
            weeks,
            [(HOSTILE[1], [0.5, None, 0.75, 1.0]), (HOSTILE[0], [1.0, 1.0, 1.0, 1.0])],
            title="Touchless",
            number=charts.percent,
            y_max=1.0,
        )
    )
    assert_inert(root)
    polylines = list(root.iter(f"{SVG}polyline"))
    assert len(polylines) == 3  # the first series in two pieces around its gap, the second in one
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 7
    assert f"{HOSTILE[1]} 2026-W49: 75 %" in texts(root)
    # a rate of 1.0 is drawn on the top grid line, 0.5 half-way down
    top = min(float(c.get("cy", "nan")) for c in circles)
    half = float(circles[0].get("cy", "nan"))
    bottom = max(float(line.get("y1", "nan")) for line in root.iter(f"{SVG}line"))
    assert half == pytest.approx((top + bottom) / 2, abs=0.2)


def test_empty_charts_are_still_valid_svg() -> None:
    assert_inert(parse(charts.bars([], title="none")))
    assert_inert(parse(charts.lines([], [], title="none")))
    assert_inert(parse(charts.lines(["2026-W01"], [("x", [None])], title="none")))


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (3, 5), (7, 10), (12, 20), (250, 250), (0.8, 1)])
def test_axis_maximum_is_a_round_number_above_the_largest_value(value: float, ceiling: float) -> None:
    assert charts._nice_ceiling(value) == ceiling


def test_count_axes_step_in_whole_round_numbers() -> None:
    root = parse(charts.lines(["a", "b"], [("x", [7.0, 3.0])], title="t"))
    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert axis == ["0", "2", "4", "6", "8"]
    root = parse(charts.lines(["a"], [("x", [0.5])], title="t", number=charts.percent, y_max=1.0))
    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert axis == ["0 %", "25 %", "50 %", "75 %", "100 %"]
