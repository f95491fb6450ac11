#!/usr/bin/env python3
"""SciPy's and statsmodels' answers for capability intervals, the
Anderson–Darling test and Clopper–Pearson intervals, read by
tests/it/inference_reference.rs.

Reads JSON: {"cp": [[cp, dof, conf]], "cpk": [[cpk, n, conf]],
"ad": [[values...]], "cp_exact": [[x, n, conf]], "normal_tail": [[mean, sigma, lsl, usl]]}
and prints the same keys
with: Cp intervals from scipy.stats.chi2.ppf, Cpk intervals (Bissell) from
scipy.stats.norm.ppf, [A², p] from statsmodels.stats.diagnostic.normal_ad,
statsmodels.stats.proportion.proportion_confint(method="beta"), and the
normal share beyond the limits from scipy.stats.norm.cdf and norm.sf."""
import json
import math
import sys

import numpy as np
from scipy.stats import chi2, norm
from statsmodels.stats.diagnostic import normal_ad
from statsmodels.stats.proportion import proportion_confint

request = json.load(sys.stdin)
out = {"cp": [], "cpk": [], "ad": [], "cp_exact": [], "normal_tail": []}
for cp, dof, conf in request["cp"]:
    a = 1 - conf
    out["cp"].append([cp * math.sqrt(chi2.ppf(a / 2, dof) / dof), cp * math.sqrt(chi2.ppf(1 - a / 2, dof) / dof)])
for cpk, n, conf in request["cpk"]:
    z = norm.ppf(1 - (1 - conf) / 2)
    half = z * math.sqrt(1 / (9 * n) + cpk * cpk / (2 * (n - 1)))
    out["cpk"].append([cpk - half, cpk + half])
for values in request["ad"]:
    a2, p = normal_ad(np.asarray(values, dtype=float))
    out["ad"].append([float(a2), float(p)])
for x, n, conf in request["cp_exact"]:
    lo, hi = proportion_confint(x, n, alpha=1 - conf, method="beta")
    out["cp_exact"].append([float(lo), float(hi)])
for mean, sigma, lsl, usl in request.get("normal_tail", []):
    below = norm.cdf(lsl, mean, sigma) if lsl is not None else 0.0
    above = norm.sf(usl, mean, sigma) if usl is not None else 0.0
    out["normal_tail"].append(float(below + above))
print(json.dumps(out))
