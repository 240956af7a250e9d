"""WGS84 longitude/latitude to British National Grid (EPSG:27700) metres and back.

Implemented here (numpy only) so the runtime needs no PROJ install: a 7-parameter
Helmert shift WGS84 -> OSGB36 followed by the Ordnance Survey's transverse-Mercator
series on the Airy 1830 ellipsoid. This is the same transformation pyproj applies for
EPSG:4326 -> EPSG:27700 when the OSTN15 grid is not installed (its ``+towgs84``
parameters), so the two agree to millimetres; against OSTN15 the Helmert shift is good
to about 5 m, far below a 100 m grid cell.

Notes:
    Ordnance Survey (2020) *A guide to coordinate systems in Great Britain*, annexes
    B (Helmert), C (transverse Mercator) and the worked formulas therein.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# Ellipsoids: semi-major and semi-minor axes (m).
_WGS84 = (6378137.000, 6356752.314245)
_AIRY = (6377563.396, 6356256.909)
# National Grid projection constants.
_F0 = 0.9996012717
_PHI0 = np.radians(49.0)
_LAM0 = np.radians(-2.0)
_E0 = 400000.0
_N0 = -100000.0
# Helmert WGS84 -> OSGB36: translations (m), scale (ppm), rotations (arc-seconds).
_T = np.array([-446.448, 125.157, -542.060])
_S_PPM = 20.4894
_R_SEC = np.array([-0.1502, -0.2470, -0.8421])


def _to_cartesian(
    lat: FloatArray, lon: FloatArray, ellipsoid: tuple[float, float]
) -> FloatArray:
    a, b = ellipsoid
    e2 = 1 - (b * b) / (a * a)
    s = np.sin(lat)
    nu = a / np.sqrt(1 - e2 * s * s)
    return np.stack(
        [
            nu * np.cos(lat) * np.cos(lon),
            nu * np.cos(lat) * np.sin(lon),
            (1 - e2) * nu * s,
        ]
    )


def _from_cartesian(
    xyz: FloatArray, ellipsoid: tuple[float, float]
) -> tuple[FloatArray, FloatArray]:
    a, b = ellipsoid
    e2 = 1 - (b * b) / (a * a)
    x, y, z = xyz
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1 - e2))
    for _ in range(8):
        nu = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
        lat = np.arctan2(z + e2 * nu * np.sin(lat), p)
    return lat, np.arctan2(y, x)


def _helmert(xyz: FloatArray, sign: float) -> FloatArray:
    t = sign * _T
    s = sign * _S_PPM * 1e-6
    rx, ry, rz = sign * np.radians(_R_SEC / 3600.0)
    x, y, z = xyz
    return np.stack(
        [
            t[0] + (1 + s) * x - rz * y + ry * z,
            t[1] + rz * x + (1 + s) * y - rx * z,
            t[2] - ry * x + rx * y + (1 + s) * z,
        ]
    )


def _meridional_arc(phi: FloatArray) -> FloatArray:
    a, b = _AIRY
    n = (a - b) / (a + b)
    n2, n3 = n * n, n * n * n
    d, s = phi - _PHI0, phi + _PHI0
    return np.asarray(
        b
        * _F0
        * (
            (1 + n + 1.25 * n2 + 1.25 * n3) * d
            - (3 * n + 3 * n2 + 21 / 8 * n3) * np.sin(d) * np.cos(s)
            + (15 / 8 * n2 + 15 / 8 * n3) * np.sin(2 * d) * np.cos(2 * s)
            - 35 / 24 * n3 * np.sin(3 * d) * np.cos(3 * s)
        )
    )


def to_bng(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Project WGS84 degrees to British National Grid easting and northing (m).

    Args:
        lon: Longitudes (degrees east, WGS84).
        lat: Latitudes (degrees north, WGS84).

    Returns:
        Eastings and northings in metres (EPSG:27700), arrays of the input's shape.
    """
    lon_r = np.radians(np.asarray(lon, dtype=np.float64))
    lat_r = np.radians(np.asarray(lat, dtype=np.float64))
    phi, lam = _from_cartesian(
        _helmert(_to_cartesian(lat_r, lon_r, _WGS84), 1.0), _AIRY
    )
    a, b = _AIRY
    e2 = 1 - (b * b) / (a * a)
    sp, cp = np.sin(phi), np.cos(phi)
    tp2 = np.tan(phi) ** 2
    nu = a * _F0 / np.sqrt(1 - e2 * sp * sp)
    rho = a * _F0 * (1 - e2) * (1 - e2 * sp * sp) ** -1.5
    eta2 = nu / rho - 1
    m = _meridional_arc(phi)
    i = m + _N0
    ii = nu / 2 * sp * cp
    iii = nu / 24 * sp * cp**3 * (5 - tp2 + 9 * eta2)
    iiia = nu / 720 * sp * cp**5 * (61 - 58 * tp2 + tp2 * tp2)
    iv = nu * cp
    v = nu / 6 * cp**3 * (nu / rho - tp2)
    vi = nu / 120 * cp**5 * (5 - 18 * tp2 + tp2 * tp2 + 14 * eta2 - 58 * tp2 * eta2)
    dl = lam - _LAM0
    northing = i + ii * dl**2 + iii * dl**4 + iiia * dl**6
    easting = _E0 + iv * dl + v * dl**3 + vi * dl**5
    return np.asarray(easting), np.asarray(northing)


def from_bng(easting: ArrayLike, northing: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert British National Grid metres back to WGS84 longitude and latitude.

    Args:
        easting: Eastings (m, EPSG:27700).
        northing: Northings (m, EPSG:27700).

    Returns:
        Longitudes and latitudes in degrees (WGS84).
    """
    e = np.asarray(easting, dtype=np.float64)
    n_ = np.asarray(northing, dtype=np.float64)
    a, b = _AIRY
    e2 = 1 - (b * b) / (a * a)
    phi = (n_ - _N0) / (a * _F0) + _PHI0
    for _ in range(20):
        m = _meridional_arc(phi)
        phi = phi + (n_ - _N0 - m) / (a * _F0)
    sp = np.sin(phi)
    tp = np.tan(phi)
    tp2 = tp * tp
    nu = a * _F0 / np.sqrt(1 - e2 * sp * sp)
    rho = a * _F0 * (1 - e2) * (1 - e2 * sp * sp) ** -1.5
    eta2 = nu / rho - 1
    sec = 1 / np.cos(phi)
    vii = tp / (2 * rho * nu)
    viii = tp / (24 * rho * nu**3) * (5 + 3 * tp2 + eta2 - 9 * tp2 * eta2)
    ix = tp / (720 * rho * nu**5) * (61 + 90 * tp2 + 45 * tp2 * tp2)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * tp2)
    xii = sec / (120 * nu**5) * (5 + 28 * tp2 + 24 * tp2 * tp2)
    xiia = sec / (5040 * nu**7) * (61 + 662 * tp2 + 1320 * tp2**2 + 720 * tp2**3)
    de = e - _E0
    lat = phi - vii * de**2 + viii * de**4 - ix * de**6
    lon = _LAM0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    lat_w, lon_w = _from_cartesian(
        _helmert(_to_cartesian(lat, lon, _AIRY), -1.0), _WGS84
    )
    return np.degrees(lon_w), np.degrees(lat_w)
