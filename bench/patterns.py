"""Pattern matching speed: a bot with 200 states and 500 patterns, one utterance per turn.

Prints the median µs per ``Matcher.match`` over realistic utterances (each one's best of 5
runs), against two baselines from the same run: tokenizing alone (the floor), and the same
matcher with its prefilter index off (every pattern tried), which shows what the index buys.

    .venv/bin/python -m bench.patterns
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from ringback.bot.morph import tokenize
from ringback.bot.patterns import Matcher, PatternLibrary, Utterance

_RU = (
    "купить билет заказ доставка оплата карта наличные адрес телефон время завтра сегодня "
    "вечером утром оператор менеджер помощь вопрос цена стоимость скидка акция возврат "
    "отмена перенос запись врач приём услуга договор счёт баланс тариф интернет связь "
    "роутер ремонт мастер заявка статус посылка трек номер код пароль вход кабинет"
).split()
_EN = (
    "buy ticket order delivery payment card cash address phone time tomorrow today evening "
    "morning operator manager help question price cost discount refund cancel reschedule "
    "appointment doctor service contract bill balance plan internet router repair status "
    "parcel tracking number code password login account"
).split()
_FILLER = "я хочу мне нужно пожалуйста а можно как где когда please i want need the a my".split()
_VOCAB = _RU + _EN


def build(rng: random.Random) -> Matcher:
    matcher = Matcher(PatternLibrary.standard())
    templates = [
        "* {a} *",
        "* ~{a} * {b} *",
        "({a}|{b}|{c}) *",
        "* [{a}] {b} {c}*",
        "{{{a} {b}}} *",
        "* $Number ({a}|{b})",
        "* $yes * {a} *",
        "* (~{a}|{b}) [{c}] *",
        "$no * {a}",
        "* {a} * $regexp<\\d{{3,}}> *",
    ]
    for n in range(500):
        a, b, c = rng.sample(_VOCAB, 3)
        pattern = templates[n % len(templates)].format(a=a, b=b, c=c)
        matcher.add(f"/State{n % 200}", pattern, file="bench.sc", line=n + 1)
    return matcher


def utterances(rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        words = rng.choices(_FILLER, k=rng.randint(1, 4)) + rng.choices(_VOCAB, k=rng.randint(1, 6))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), str(rng.randint(1, 999)))
        rng.shuffle(words)
        out.append(" ".join(words).capitalize())
    return out


def median_us(fn: Callable[[str], object], texts: list[str], rounds: int = 5) -> float:
    """Median over the texts of each text's best round: robust to a busy, shared machine."""
    best = []
    for text in texts:
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            fn(text)
            samples.append(time.perf_counter() - t0)
        best.append(min(samples))
    return statistics.median(best) * 1e6


def main() -> None:
    rng = random.Random(7)
    t0 = time.perf_counter()
    matcher = build(rng)
    texts = utterances(rng, 400)
    for text in texts:  # warm the lemma cache and the index, as a running bot has
        matcher.match(text)
    build_ms = (time.perf_counter() - t0) * 1e3
    entries = matcher._entries

    def unfiltered(text: str) -> int:
        u = Utterance(text, matcher.library, None)
        return sum(u.n in e.node.ends(u, 0) for e in entries)

    every_key = dict.fromkeys(e.key for e in entries).keys()  # as the runtime passes its scope
    floor = median_us(tokenize, texts)
    indexed = median_us(matcher.match, texts)
    scoped = median_us(lambda text: matcher.match(text, every_key), texts)
    full = median_us(unfiltered, texts)
    hits = statistics.mean(len(matcher.match(t)) for t in texts)
    print(f"bot: 200 states, {len(entries)} patterns; built and warmed in {build_ms:.0f} ms")
    print(f"matches per utterance (mean):        {hits:.1f}")
    print(f"tokenize only (floor):              {floor:8.1f} µs median")
    print(f"match, prefilter index:             {indexed:8.1f} µs median")
    print(f"match, keys = all 200 states:       {scoped:8.1f} µs median")
    print(f"match, every pattern tried:         {full:8.1f} µs median")
    print(f"index speed-up:                     {full / indexed:8.1f}x")
    print(f"match / tokenize:                   {indexed / floor:8.1f}x")


if __name__ == "__main__":
    main()
