"""Reference lists for data.police.uk street-level files.

Sources: column order and meanings, https://data.police.uk/about; crime categories
(14, current), https://data.police.uk/docs/method/crime-categories/; outcome labels as
published in street-level CSVs (observed in the 2017-2018 West Yorkshire files shipped
here, plus the labels data.police.uk documents for outcomes since April 2014).
"""

from __future__ import annotations

HEADER: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

# Store column for each CSV column, in file order.
COLUMNS: tuple[str, ...] = (
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome",
    "context",
)

ASB = "Anti-social behaviour"

CRIME_TYPES: tuple[str, ...] = (
    ASB,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

OUTCOMES: tuple[str, ...] = (
    "Action to be taken by another organisation",
    "Awaiting court outcome",
    "Court case unable to proceed",
    "Court result unavailable",
    "Defendant found not guilty",
    "Defendant sent to Crown Court",
    "Formal action is not in the public interest",
    "Further action is not in the public interest",
    "Further investigation is not in the public interest",
    "Investigation complete; no suspect identified",
    "Local resolution",
    "Offender deprived of property",
    "Offender fined",
    "Offender given a caution",
    "Offender given a drugs possession warning",
    "Offender given absolute discharge",
    "Offender given community sentence",
    "Offender given conditional discharge",
    "Offender given penalty notice",
    "Offender given suspended prison sentence",
    "Offender ordered to pay compensation",
    "Offender otherwise dealt with",
    "Offender sent to prison",
    "Status update unavailable",
    "Suspect charged as part of another case",
    "Unable to prosecute suspect",
    "Under investigation",
)

# Great Britain's extent in WGS84, with a margin; police.uk snap points all fall inside.
GB_LON = (-8.7, 1.8)
GB_LAT = (49.8, 60.9)
