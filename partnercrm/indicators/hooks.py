"""What the indicators package adds to the pages of lower packages (template hooks): each
indicator's rule in words on the roadmap's indicator list."""

from __future__ import annotations

from flask import Flask, render_template

from partnercrm.indicators.labels import rule_sentence
from partnercrm.indicators.rules import parse_rule
from partnercrm.roadmap.models import Indicator
from partnercrm.web.hooks import add_template_hook


def indicator_rule(indicator: Indicator) -> str:
    sentence = rule_sentence(parse_rule(indicator.rule, f"indicator {indicator.number}"))
    return render_template("indicators/_rule.html", sentence=sentence)


def register(app: Flask) -> None:
    add_template_hook(app, "indicator-rule", indicator_rule)
