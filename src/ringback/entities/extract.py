"""Parse, resolve, rank and render: the Duckling ``parse`` call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any

from ringback.entities.engine import Chart, Context, Rule, Token
from ringback.entities.grain import Grain
from ringback.entities.series import Span, budget
from ringback.entities.timevalue import Duration, Number, Ordinal, Time, future, resolve, to_aware

DIMS = ("time", "number", "ordinal", "duration")
LANGS = ("en", "ru")


@cache
def rules_for(lang: str) -> tuple[Rule, ...]:
    from ringback.entities import numbers

    if lang == "ru":
        from ringback.entities import rules_ru

        return (*numbers.ru_rules(), *rules_ru.duration_rules(), *rules_ru.time_rules())
    from ringback.entities import rules_en

    return (*numbers.en_rules(), *rules_en.duration_rules(), *rules_en.time_rules())


def language(locale: str) -> str:
    """ "en_US", "ru-RU", "RU" → "en" / "ru"; raises ValueError for an unsupported language."""
    lang = locale.replace("-", "_").split("_")[0].lower()
    if lang not in LANGS:
        raise ValueError(locale)
    return lang


def context(ref: datetime, tz: tzinfo | None, lang: str) -> Context:
    if ref.tzinfo is None:
        ref = ref.replace(tzinfo=UTC)
    zone = tz if tz is not None else timezone(ref.utcoffset() or timedelta(0))
    aware = ref.astimezone(zone)
    return Context(aware.replace(tzinfo=None), aware, zone, lang)


def iso(ctx: Context, local: datetime) -> str:
    aware = to_aware(ctx, local)
    offset = aware.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return (
        f"{aware.year:04d}-{aware.month:02d}-{aware.day:02d}T{aware.hour:02d}:{aware.minute:02d}:"
        f"{aware.second:02d}.000{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    )


def _point(ctx: Context, local: datetime, grain: Grain) -> dict[str, Any]:
    return {"value": iso(ctx, local), "grain": grain.name}


def _time_value(ctx: Context, t: Time, span: Span) -> dict[str, Any]:
    def one(s: Span) -> dict[str, Any]:
        if t.direction == "after":
            return {"type": "interval", "from": _point(ctx, s.start, s.grain)}
        if t.direction == "before":
            return {"type": "interval", "to": _point(ctx, s.start, s.grain)}
        if s.explicit:
            return {
                "type": "interval",
                "from": _point(ctx, s.start, s.grain),
                "to": _point(ctx, s.end, s.grain),
            }
        return {"type": "value", **_point(ctx, s.start, s.grain)}

    out = one(span)
    out["values"] = [one(s) for s in future(t, ctx.ref)] or [one(span)]
    if t.holiday:
        out["holiday"] = t.holiday
    return out


def _plain(v: float) -> int | float:
    return int(v) if v == int(v) else v


def duration_value(d: Duration) -> dict[str, Any]:
    d = d.exact()
    unit = d.grain.name
    return {
        "value": _plain(d.value),
        "unit": unit,
        unit: _plain(d.value),
        "type": "value",
        "normalized": {"value": _plain(d.normalized()), "unit": "second"},
    }


def _inside(tok: Token, spans: list[tuple[int, int]]) -> bool:
    return any(s <= tok.start and tok.end <= e and e - s > tok.end - tok.start for s, e in spans)


def _candidates(chart: Chart, tokens: list[Token], dims: Sequence[str], latent: bool) -> list[Any]:
    """Tokens that resolve, longest first; one inside a longer resolved token is skipped (it
    could only lose), which saves resolving the many partial readings of a long phrase."""
    out = []
    covered: list[tuple[int, int]] = []
    # Per span, readings are tried best first; once one resolves, worse-ranked ones are skipped.
    found: dict[tuple[int, int, str], tuple[int, int]] = {}
    for tok in sorted(tokens, key=lambda t: (t.start - t.end, t.start, _neg(_prior(t)))):
        if tok.dim not in dims or _inside(tok, covered):
            continue
        k = (tok.start, tok.end, tok.dim)
        if k in found and found[k] > _prior(tok):
            continue
        v = tok.value
        if isinstance(v, Time):
            if v.latent and not latent:
                continue
            with budget():
                span = resolve(v, chart.ctx.ref)
            if span is None:
                continue
            out.append((tok, span))
        elif isinstance(v, Number | Ordinal | Duration):
            out.append((tok, None))
        else:
            continue
        found[k] = _prior(tok)
        covered.append((tok.start, tok.end))
    return out


def _neg(key: tuple[int, int]) -> tuple[int, int]:
    return (-key[0], -key[1])


def _prior(tok: Token) -> tuple[int, int]:
    """The rank known before resolving: non-latent first, then the simplest parse (negated)."""
    return (0 if getattr(tok.value, "latent", False) else 1, -tok.size)


def _rank_key(c: Any) -> tuple[int, int, float]:
    """Non-latent first, then the simplest parse, then the shortest resolved span."""
    tok, span = c
    length = (span.end - span.start).total_seconds() if span is not None else 0.0
    return (0 if getattr(tok.value, "latent", False) else 1, -tok.size, -length)


def _winners(cands: list[Any]) -> list[Any]:
    best: dict[tuple[int, int, str], Any] = {}
    for c in cands:
        tok = c[0]
        k = (tok.start, tok.end, tok.dim)
        if k not in best or _rank_key(c) > _rank_key(best[k]):
            best[k] = c
    kept = list(best.values())
    out = []
    for c in kept:
        t = c[0]
        dominated = any(
            o[0].start <= t.start
            and t.end <= o[0].end
            and (o[0].end - o[0].start) > (t.end - t.start)
            for o in kept
        )
        if not dominated:
            out.append(c)
    out.sort(key=lambda c: (c[0].start, c[0].end))
    return out


def parse(
    text: str,
    *,
    locale: str = "en_US",
    ref: datetime,
    tz: tzinfo | None = None,
    dims: Sequence[str] | None = None,
    latent: bool = False,
) -> list[dict[str, Any]]:
    """Duckling's ``/parse``: the entities found in ``text``, as Duckling's JSON objects.

    ``ref`` is the reference time (aware); values are rendered in ``tz`` or, without one, in
    the reference time's own offset. ``dims`` limits the dimensions (all when empty);
    ``latent`` also returns latent matches ("7", "morning"), flagged ``"latent": true``.
    """
    lang = language(locale)
    ctx = context(ref, tz, lang)
    wanted = tuple(dims) if dims else DIMS
    chart = Chart(text, ctx, rules_for(lang))
    tokens = chart.saturate()
    entities = []
    for tok, span in _winners(_candidates(chart, tokens, wanted, latent)):
        v = tok.value
        if isinstance(v, Time):
            with budget(300):  # the extra "values" are a courtesy: never walk far for them
                value = _time_value(ctx, v, span)
        elif isinstance(v, Duration):
            value = duration_value(v)
        else:
            value = {"type": "value", "value": _plain(v.value)}
        entities.append(
            {
                "body": text[tok.start : tok.end],
                "start": tok.start,
                "end": tok.end,
                "dim": tok.dim,
                "latent": bool(getattr(v, "latent", False)),
                "value": value,
            }
        )
    return entities
