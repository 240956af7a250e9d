"""Crime hotspots: kernel density, Getis-Ord Gi*, repeat places and concentration.

Django-free. Coordinates are projected from WGS84 to British National Grid metres
(:mod:`.projection`) and analysed on a regular grid over the study area (:mod:`.grid`):

* :func:`kde_surface` - kernel density (quartic or Gaussian) by binning and FFT.
* :func:`grid_gi_star`, :func:`lsoa_gi_star`, :func:`gi_star` - Gi* z-scores, analytic
  and conditional-permutation p-values, Benjamini-Hochberg FDR, hot/cold labels.
* :func:`place_concentration`, :func:`repeat_victimisation` - repeat locations, the
  share of crime at the top 5% of places, Gini; repeat victims.
* :func:`read_points`, :func:`lsoa_counts`, :func:`lsoa_harm` - inputs from the
  analytics store (:func:`lsoa_harm` with :func:`lsoa_gi_star`: a harm-weighted Gi*).
* :func:`grid_counts` - records per grid cell, counted on DuckDB or Spark (identical).

Notes:
    Ord, J.K. & Getis, A. (1995) Geographical Analysis 27(4); Chainey, S. (2013)
    Geomatics Solutions for Crime (KDE and grid cell/bandwidth choice); Benjamini, Y.
    & Hochberg, Y. (1995) JRSS B 57(1); Weisburd, D. (2015) Criminology 53(2).
"""

from saferleeds.analytics.hotspots.concentration import (
    Concentration,
    Place,
    RepeatVictimisation,
    gini,
    place_concentration,
    repeat_victimisation,
)
from saferleeds.analytics.hotspots.counts import (
    GridCounts,
    LocationCounts,
    grid_counts,
    location_counts,
)
from saferleeds.analytics.hotspots.data import (
    Points,
    lsoa_counts,
    lsoa_harm,
    read_points,
)
from saferleeds.analytics.hotspots.gistar import (
    GiStarResult,
    benjamini_hochberg,
    counts_gi_star,
    gi_star,
    grid_gi_star,
    lsoa_boundaries,
    lsoa_gi_star,
    permutation_p_values,
    polygon_queen_weights,
)
from saferleeds.analytics.hotspots.grid import Grid, bbox_grid, study_grid
from saferleeds.analytics.hotspots.kde import KdeSurface, kde_surface
from saferleeds.analytics.hotspots.projection import from_bng, to_bng

__all__ = [
    "Concentration",
    "GiStarResult",
    "Grid",
    "GridCounts",
    "KdeSurface",
    "LocationCounts",
    "Place",
    "Points",
    "RepeatVictimisation",
    "bbox_grid",
    "benjamini_hochberg",
    "counts_gi_star",
    "from_bng",
    "gi_star",
    "gini",
    "grid_counts",
    "grid_gi_star",
    "kde_surface",
    "lsoa_boundaries",
    "lsoa_counts",
    "lsoa_harm",
    "location_counts",
    "lsoa_gi_star",
    "permutation_p_values",
    "place_concentration",
    "polygon_queen_weights",
    "read_points",
    "repeat_victimisation",
    "study_grid",
    "to_bng",
]
