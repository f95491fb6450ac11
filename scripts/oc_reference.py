#!/usr/bin/env python3
"""SciPy's answers for OC curves, read by tests/it/oc_scipy.rs.

Reads JSON cases from standard input: [{"N", "n", "c", "p": [...]}], and
prints for each the acceptance probabilities by the hypergeometric
(D = p·N rounded half up, as lotcheck does;
Python's round() would round half to even), binomial and Poisson models, and the binomial and Poisson
p at which Pa = 0.95 and 0.10 (brentq). A case with "counts":
"nonconformities" is a plan counting nonconformities: "u" lists the lot's
nonconformities per unit (above 1 too), answered by the Poisson model only,
with the u at which Pa = 0.95 and 0.10."""
import json
import math
import sys

from scipy.optimize import brentq
from scipy.stats import binom, hypergeom, poisson


def nonconformities(case):
    n, c = case["n"], case["c"]
    pa = lambda u: poisson.cdf(c, n * u)
    return {
        "poisson": [float(pa(u)) for u in case["u"]],
        "u95": brentq(lambda u: pa(u) - 0.95, 1e-12, 1e4, xtol=1e-15),
        "u10": brentq(lambda u: pa(u) - 0.10, 1e-12, 1e4, xtol=1e-15),
    }


def answer(case):
    if case.get("counts") == "nonconformities":
        return nonconformities(case)
    N, n, c = case["N"], case["n"], case["c"]
    out = {"hypergeometric": [], "binomial": [], "poisson": []}
    for p in case["p"]:
        out["hypergeometric"].append(float(hypergeom.cdf(c, N, math.floor(p * N + 0.5), n)))
        out["binomial"].append(float(binom.cdf(c, n, p)))
        out["poisson"].append(float(poisson.cdf(c, n * p)))
    for name, pa in [("binomial", lambda p: binom.cdf(c, n, p)), ("poisson", lambda p: poisson.cdf(c, n * p))]:
        out[name + "_p95"] = brentq(lambda p: pa(p) - 0.95, 1e-12, 1 - 1e-12, xtol=1e-15)
        out[name + "_p10"] = brentq(lambda p: pa(p) - 0.10, 1e-12, 1 - 1e-12, xtol=1e-15)
    return out


print(json.dumps([answer(case) for case in json.load(sys.stdin)]))
