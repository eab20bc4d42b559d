"""Formulas in the report's text: MathML in HTML, plain text in Markdown."""

import xml.etree.ElementTree as ET

from scratchdl.experiments import mathml


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_power_subscript_root_and_square():
    power = parse(mathml.to_mathml("0.25^L"))
    assert [e.tag for e in power.iter()][:3] == ["math", "mrow", "msup"]
    assert [e.text for e in power.find(".//msup")] == ["0.25", "L"]
    limit = parse(mathml.to_mathml("2/λ_max"))
    assert [e.text for e in limit.find(".//msub")] == ["λ", "max"]
    root = parse(mathml.to_mathml("√(2/n)"))
    assert [e.text for e in root.find(".//msqrt").iter() if e.text] == ["2", "/", "n"]  # no parentheses
    square = parse(mathml.to_mathml("x²/20"))
    assert [e.text for e in square.find(".//msup")] == ["x", "2"]


def test_derivative_of_the_sigmoid_is_wellformed_and_keeps_its_text():
    formula = "σ'(z) = σ(z)(1 − σ(z))"
    element = parse(mathml.to_mathml(formula))
    assert element.get("alttext") == formula
    assert "".join(element.itertext()) == "σ′(z)=σ(z)(1−σ(z))"


def test_text_markup_in_html_and_markdown():
    text = "Run `scratchdl report` <now>: $1/√n$ and $0.25^L$."
    html = mathml.html_text(text)
    assert "<code>scratchdl report</code>" in html and "&lt;now&gt;" in html and html.count("<math") == 2
    assert "$" not in html and "`" not in html
    assert mathml.markdown(text) == "Run `scratchdl report` <now>: 1/√n and 0.25^L."
    assert mathml.plain(text) == "Run scratchdl report <now>: 1/√n and 0.25^L."
