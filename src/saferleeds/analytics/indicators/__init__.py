"""The strategy's key indicators: registry, periods, statistics and computation.

Pages and the CLI call :func:`compute_indicators`, :func:`dashboard`,
:func:`indicator_series` and :func:`monthly_values`; all are Django-free and run on
DuckDB by default or on Spark through :class:`SparkEngine`.
"""

from saferleeds.analytics.indicators.compute import (
    COMPARISONS,
    LEVELS,
    PREVIOUS_PERIOD,
    PREVIOUS_YEAR,
    Area,
    Dashboard,
    IndicatorResult,
    IndicatorSeries,
    MonthlyValue,
    SeriesPoint,
    compute_indicators,
    dashboard,
    indicator_series,
    latest_month,
    monthly_values,
    resolve_area,
)
from saferleeds.analytics.indicators.engine import DuckDBEngine, Engine, SparkEngine
from saferleeds.analytics.indicators.harm import (
    HarmWeights,
    default_harm_weights,
    load_harm_weights,
)
from saferleeds.analytics.indicators.periods import (
    Period,
    calendar_year,
    financial_year,
    month_period,
    parse_period,
    period_between,
    quarter,
    rolling_12,
)
from saferleeds.analytics.indicators.registry import (
    INDICATORS,
    Indicator,
    get_indicator,
)

__all__ = [
    "COMPARISONS",
    "INDICATORS",
    "LEVELS",
    "PREVIOUS_PERIOD",
    "PREVIOUS_YEAR",
    "Area",
    "Dashboard",
    "DuckDBEngine",
    "Engine",
    "HarmWeights",
    "Indicator",
    "IndicatorResult",
    "IndicatorSeries",
    "MonthlyValue",
    "Period",
    "SeriesPoint",
    "SparkEngine",
    "calendar_year",
    "compute_indicators",
    "dashboard",
    "default_harm_weights",
    "financial_year",
    "get_indicator",
    "indicator_series",
    "latest_month",
    "load_harm_weights",
    "month_period",
    "monthly_values",
    "parse_period",
    "period_between",
    "quarter",
    "resolve_area",
    "rolling_12",
]
