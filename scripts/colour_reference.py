#!/usr/bin/env python3
"""colour-science's answers for CCT and Duv, read by tests/it/colorimetry_reference.rs.

Reads JSON from standard input: {"grid": [[cct, duv], ...], "quadrangles":
[[cct, tolerance, duv], ...]} and prints, for each grid point, the (x, y)
that colour.temperature.CCT_to_uv_Ohno2013 gives, whether that lies inside
the chromaticity diagram (the convex hull of colour-science's CIE 1931
spectrum locus, by scipy.spatial.Delaunay) and the [CCT, Duv] that
colour.temperature.uv_to_CCT_Ohno2013 finds back from that (x, y); and for
each quadrangle its centre and four corners in (x, y)."""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import colour  # noqa: E402
from colour.temperature import CCT_to_uv_Ohno2013, uv_to_CCT_Ohno2013  # noqa: E402
from scipy.spatial import Delaunay  # noqa: E402

locus = colour.XYZ_to_xy(colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].values)
diagram = Delaunay(locus)


def xy_at(cct, duv):
    return [float(v) for v in colour.UCS_uv_to_xy(CCT_to_uv_Ohno2013([cct, duv]))]


request = json.load(sys.stdin)
points = []
for cct, duv in request["grid"]:
    xy = xy_at(cct, duv)
    found = uv_to_CCT_Ohno2013(colour.xy_to_UCS_uv(xy))
    inside = bool(diagram.find_simplex([xy])[0] >= 0)
    points.append({"xy": xy, "inside": inside, "cct": float(found[0]), "duv": float(found[1])})
quadrangles = []
for cct, tolerance, duv in request["quadrangles"]:
    quadrangles.append({
        "centre": xy_at(cct, duv),
        "corners": [xy_at(cct + dt, duv + dd) for dt, dd in
                    [(-tolerance, 0.006), (-tolerance, -0.006), (tolerance, -0.006), (tolerance, 0.006)]],
    })
print(json.dumps({"points": points, "quadrangles": quadrangles, "version": colour.__version__}))
