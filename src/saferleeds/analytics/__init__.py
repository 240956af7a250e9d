"""Django-free analytics: plain functions over tables in the DuckDB store.

Pages, the CLI and reports all call these functions; none of them imports Django.
"""

from saferleeds.analytics.overview import crime_overview, msoa_choices
from saferleeds.analytics.store import Store, StoreBusy, open_store
from saferleeds.analytics.summary import summarise

__all__ = [
    "Store",
    "StoreBusy",
    "crime_overview",
    "msoa_choices",
    "open_store",
    "summarise",
]
