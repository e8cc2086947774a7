# SPDX-License-Identifier: MIT
"""A strict reader of the Prometheus text exposition format 0.0.4 (Python 3
standard library), for the /metrics tests: parse() returns the families and
samples or raises ValueError naming the line; lint() adds the conventions
`promtool check metrics` enforces (counters end in _total, histograms are
cumulative with a +Inf bucket equal to _count, units in names). Used always;
promtool itself runs as well when it is installed."""
import math
import re

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def _labels(text, lineno):
    """Parse `k="v",...` (without braces) into a list of (k, v)."""
    out, i = [], 0
    while i < len(text):
        m = re.match(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"", text[i:])
        if not m:
            raise ValueError("line %d: bad label at %r" % (lineno, text[i:]))
        name, i = m.group(1), i + m.end()
        val = []
        while True:
            if i >= len(text):
                raise ValueError("line %d: unterminated label value" % lineno)
            c = text[i]
            if c == "\\":
                nxt = text[i + 1:i + 2]
                if nxt not in ("\\", "\"", "n"):
                    raise ValueError("line %d: bad escape \\%s" % (lineno, nxt))
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == "\"":
                i += 1
                break
            elif c == "\n":
                raise ValueError("line %d: newline in label value" % lineno)
            else:
                val.append(c)
                i += 1
        if any(k == name for k, _ in out):
            raise ValueError("line %d: label %s twice" % (lineno, name))
        out.append((name, "".join(val)))
        if i < len(text):
            if text[i] != ",":
                raise ValueError("line %d: expected ',' in labels" % lineno)
            i += 1
    return out


def _value(s, lineno):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    try:
        return float(s)
    except ValueError:
        raise ValueError("line %d: bad value %r" % (lineno, s))


def family_of(name, types):
    """The family a sample name belongs to (histogram suffixes stripped)."""
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in ("histogram", "summary"):
            return name[:-len(suf)]
    return name


def parse(text):
    """-> (types {family: type}, helps {family: help},
           samples [(name, {labels}, value)])."""
    if text and not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    types, helps, samples, seen = {}, {}, [], set()
    sampled = set()
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.match(name):
                    raise ValueError("line %d: bad metric name %r" % (lineno, name))
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise ValueError("line %d: bad TYPE" % lineno)
                    if name in types:
                        raise ValueError("line %d: second TYPE for %s" % (lineno, name))
                    if name in sampled:
                        raise ValueError("line %d: TYPE after samples of %s" % (lineno, name))
                    types[name] = parts[3]
                else:
                    if name in helps:
                        raise ValueError("line %d: second HELP for %s" % (lineno, name))
                    helps[name] = parts[3] if len(parts) == 4 else ""
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$", line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (lineno, line))
        name = m.group(1)
        labels = _labels(m.group(3) or "", lineno)
        for k, _ in labels:
            if not LABEL.match(k) or k.startswith("__"):
                raise ValueError("line %d: bad label name %r" % (lineno, k))
        key = (name, tuple(sorted(labels)))
        if key in seen:
            raise ValueError("line %d: duplicate series %s" % (lineno, line))
        seen.add(key)
        sampled.add(family_of(name, types))
        samples.append((name, dict(labels), _value(m.group(4), lineno)))
    return types, helps, samples


def lint(text):
    """parse() plus promtool-like conventions; returns the parse result."""
    types, helps, samples = parse(text)
    for fam, t in types.items():
        if fam not in helps:
            raise ValueError("%s has no HELP" % fam)
        if t == "counter" and not fam.endswith("_total"):
            raise ValueError("counter %s should end in _total" % fam)
        if t != "counter" and fam.endswith("_total"):
            raise ValueError("non-counter %s ends in _total" % fam)
        if t == "histogram" and not fam.endswith("_seconds"):
            raise ValueError("histogram %s should name its unit" % fam)
    for name, labels, _ in samples:
        fam = family_of(name, types)
        if fam not in types:
            raise ValueError("sample %s has no TYPE" % name)
    # histograms: per label set, buckets cumulative, +Inf == _count
    hist = {}
    for name, labels, v in samples:
        fam = family_of(name, types)
        if types.get(fam) != "histogram":
            continue
        rest = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        h = hist.setdefault((fam, rest), {"buckets": [], "count": None, "sum": None})
        if name.endswith("_bucket"):
            if "le" not in labels:
                raise ValueError("%s without le" % name)
            h["buckets"].append((_value(labels["le"], 0), v))
        elif name.endswith("_count"):
            h["count"] = v
        elif name.endswith("_sum"):
            h["sum"] = v
    for (fam, rest), h in hist.items():
        b = sorted(h["buckets"])
        if not b or not math.isinf(b[-1][0]):
            raise ValueError("%s%r has no +Inf bucket" % (fam, rest))
        for (_, x), (_, y) in zip(b, b[1:]):
            if y < x:
                raise ValueError("%s%r buckets are not cumulative" % (fam, rest))
        if h["count"] != b[-1][1] or h["sum"] is None:
            raise ValueError("%s%r: _count != +Inf bucket, or no _sum" % (fam, rest))
    return types, helps, samples


def value(samples, name, **labels):
    """The sum of the samples of name whose labels include `labels`."""
    return sum(v for n, ls, v in samples
               if n == name and all(ls.get(k) == x for k, x in labels.items()))
