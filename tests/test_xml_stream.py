"""The XML stream's bounds and the column conversions the GPX and TCX readers share.

The stream vouches for element count and attribute sizes on the raw bytes
when it can and then checks only depth per element; these tests pin that
every bound still refuses exactly what it refused when checked per element,
and that a column converted in one pass equals the value-by-value parse.
"""

from __future__ import annotations

import datetime as dt

import pytest

from walkrun.builtin.readers._trackmath import number_column, parse_number, parse_time, time_column
from walkrun.builtin.readers.tcx import TcxReader
from walkrun.domain.errors import ReadError
from walkrun.ingest.xmlsafe import XmlLimits, XmlStream


class _Names(XmlStream):
    """Records every closed leaf as (name, text) in document order."""

    open_names = frozenset()
    close_names = frozenset({"a", "b"})

    def __init__(self, limits: XmlLimits) -> None:
        super().__init__("t.xml", "XML", limits)
        self.seen: list[tuple[str, str]] = []

    def closed(self, name: str, text: str) -> None:
        self.seen.append((name, text))


def elements(n: int) -> bytes:
    return ("<r>" + "<a>1</a>" * (n - 1) + "</r>").encode()


def test_element_limit_is_exact() -> None:
    limits = XmlLimits(max_elements=5)
    stream = _Names(limits)
    stream.run(elements(5))
    assert stream.seen == [("a", "1")] * 4
    with pytest.raises(ReadError, match="more than 5 elements"):
        _Names(limits).run(elements(6))


def test_markup_that_is_not_an_element_does_not_refuse() -> None:
    # Seven "<" but five elements: the raw count cannot vouch, so elements are counted one by one.
    data = b"<r><!-- <x> --><a>1</a><a>2</a><?pi <y>?><a>3</a><b>4</b></r>"
    stream = _Names(XmlLimits(max_elements=5))
    stream.run(data)
    assert stream.seen == [("a", "1"), ("a", "2"), ("a", "3"), ("b", "4")]


def test_long_attribute_in_an_ignored_element_is_refused() -> None:
    limits = XmlLimits(max_attribute_chars=10)
    with pytest.raises(ReadError, match="attribute over 10"):
        _Names(limits).run(b"<r><z k='" + b"x" * 11 + b"'/><a>1</a></r>")
    ok = _Names(limits)
    ok.run(b'<r><z k="' + b"x" * 10 + b'" note="a=\'b\'"/><a>1</a></r>')
    assert ok.seen == [("a", "1")]


def test_long_attribute_in_utf16_is_refused() -> None:
    # The raw-byte check cannot read UTF-16, so such documents are checked element by element.
    doc = "<r><z k='" + "x" * 11 + "'/><a>1</a></r>"
    for data in (doc.encode("utf-16"), doc.encode("utf-16-le")):
        with pytest.raises(ReadError, match="attribute over 10"):
            _Names(XmlLimits(max_attribute_chars=10)).run(data)


def test_depth_limit_is_exact() -> None:
    limits = XmlLimits(max_depth=3)
    _Names(limits).run(b"<r><x><a>1</a></x></r>")
    with pytest.raises(ReadError, match="more than 3 deep"):
        _Names(limits).run(b"<r><x><y><a>1</a></y></x></r>")


def test_text_limit_counts_every_piece() -> None:
    with pytest.raises(ReadError, match="text over 100"):
        _Names(XmlLimits(max_text_chars=100)).run(b"<r><a>" + b"y" * 101 + b"</a></r>")


def test_time_column_equals_parsing_each_value() -> None:
    texts = [
        "2026-03-02T07:00:00Z",
        "2026-03-02T09:00:01+02:00",
        " 2026-03-02T07:00:02Z ",
        "2026-03-02T07:00:03",  # naive: UTC
        "1970-01-01T00:00:00Z",  # before GPS time: no time
        "9999-12-31T23:59:59-01:00",
        "yesterday",
        None,
    ]
    assert time_column(texts) == [parse_time(t) for t in texts]
    clean = [f"2026-03-02T07:00:0{i}Z" for i in range(5)]
    assert time_column(clean) == [dt.datetime(2026, 3, 2, 7, 0, i, tzinfo=dt.UTC) for i in range(5)]


def test_number_column_equals_parsing_each_value() -> None:
    texts = ["1.5", " 2 ", "nan", "inf", "-3e2", "x", "", None]
    assert [repr(v) for v in number_column(texts)] == [repr(parse_number(t)) for t in texts]
    assert number_column([None, None]) == [None, None]
    assert number_column(["1", "2.25"]) == [1.0, 2.25]


def test_tcx_speed_only_counts_inside_tpx_and_first_block_wins() -> None:
    point = (
        "<Trackpoint><Time>2026-03-02T07:00:0{i}Z</Time><DistanceMeters>{d}</DistanceMeters>"
        "<Extensions><Other><Speed>9</Speed></Other>"
        "<ns3:TPX><ns3:Speed>1.5</ns3:Speed></ns3:TPX><ns3:TPX><ns3:Speed>7</ns3:Speed></ns3:TPX>"
        "</Extensions></Trackpoint>"
    )
    points = "".join(point.format(i=i, d=1.5 * i) for i in range(4))
    data = (
        '<TrainingCenterDatabase xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
        '<Activities><Activity Sport="Running"><Id>2026-03-02T07:00:00Z</Id>'
        f'<Lap StartTime="2026-03-02T07:00:00Z"><Track>{points}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()
    (run,) = TcxReader().read(data, "t.tcx")
    assert [s.speed_mps for s in run.samples] == [1.5] * 4
