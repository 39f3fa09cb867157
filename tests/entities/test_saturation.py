"""Saturation's shortcuts (rules pre-filtered by how their expressions begin, rules run only when
a token passing one of their tests is new, one test per token) skip only work that could not
produce a token: on the corpus the chart is the one of plain evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from ringback.entities.corpus import load
from ringback.entities.engine import MAX_TOKENS, Chart, Context, Rule, Token
from ringback.entities.extract import context, rules_for


class _Plain(Chart):
    """Every rule in every round, no pre-filter; ``semi_naive``: a rule that ran before only
    meets combinations holding a token made since (else: all of them, every time)."""

    def __init__(self, text: str, ctx: Context, rules: Sequence[Rule], *, semi_naive: bool) -> None:
        super().__init__(text, ctx, rules)
        self.semi_naive = semi_naive

    def saturate(self) -> list[Token]:
        table = self.table
        self.active = list(range(len(table.rules)))
        ran: dict[int, int] = {}
        for _ in range(12):
            before = self.count
            for i in self.active:
                if table.needs[i] <= self.dims:
                    last = ran.get(i) if self.semi_naive else None
                    ran[i] = self.count
                    self._apply(i, None, last)
            if self.count == before or self.count >= MAX_TOKENS:
                break
        return [t for ts in self.by_start.values() for t in ts]


def _made(chart: Chart) -> list[tuple[object, ...]]:
    return [t.key for t in sorted(chart.saturate(), key=lambda t: t.seq)]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_chart_is_that_of_every_rule_in_every_round(lang: str) -> None:
    rules = rules_for(lang)
    for case in load(lang):
        text, ctx = case["text"], context(datetime.fromisoformat(case["ref"]), None, lang)
        made = _made(Chart(text, ctx, rules))
        # the same tokens made in the same order as semi-naive evaluation without shortcuts …
        assert made == _made(_Plain(text, ctx, rules, semi_naive=True)), text
        # … which makes the tokens of naive evaluation (in another order within a round)
        assert set(made) == set(_made(_Plain(text, ctx, rules, semi_naive=False))), text
