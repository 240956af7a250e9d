"""The partnership's configuration: its district, geography files and priority neighbourhoods.

Django-free, so the analytics package, the CLI and the web app share it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from saferleeds import config

SHIPPED = Path(__file__).parent / "data" / "partnerships" / "leeds.toml"


@dataclass(frozen=True)
class Neighbourhood:
    """A named set of LSOAs the partnership treats as one place."""

    name: str
    lsoas: tuple[str, ...]
    approximate: bool = False


@dataclass(frozen=True)
class Partnership:
    """A Community Safety Partnership's area and settings."""

    name: str
    district_code: str
    district_name: str
    police_forces: tuple[str, ...]
    lsoa_population: Path
    lsoa_boundaries: Path
    district_boundary: Path
    ward_lookup: Path | None
    priority_neighbourhoods: tuple[Neighbourhood, ...]
    casework: dict[str, dict[str, Any]] = field(
        default_factory=dict, hash=False, compare=False
    )

    def casework_setting(self, module: str, key: str, default: Any) -> Any:
        """One casework setting (``[casework.<module>] key``), or ``default`` if unset.

        Args:
            module: The casework module: ``marac``, ``hate``, ``asb``, ``nrm``.
            key: The setting's name.
            default: The national default (each caller cites its source).
        """
        return self.casework.get(module, {}).get(key, default)


def load_partnership(path: Path | str) -> Partnership:
    """Read a partnership TOML file.

    Args:
        path: The TOML file; relative paths inside it are resolved against its folder.

    Returns:
        The parsed configuration.

    Raises:
        config.ConfigError: If a required key or a referenced file is missing.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        p, g = raw["partnership"], raw["geography"]
        base = path.parent

        def file(key: str) -> Path:
            f = (base / g[key]).resolve()
            if not f.exists():
                raise config.ConfigError(f"{path}: geography.{key}: no file {f}")
            return f

        return Partnership(
            name=p["name"],
            district_code=p["district_code"],
            district_name=p["district_name"],
            police_forces=tuple(p.get("police_forces", [])),
            lsoa_population=file("lsoa_population"),
            lsoa_boundaries=file("lsoa_boundaries"),
            district_boundary=file("district_boundary"),
            ward_lookup=file("ward_lookup") if "ward_lookup" in g else None,
            priority_neighbourhoods=tuple(
                Neighbourhood(
                    name=n["name"],
                    lsoas=tuple(n["lsoas"]),
                    approximate=bool(n.get("approximate", False)),
                )
                for n in raw.get("priority_neighbourhoods", [])
            ),
            casework={k: dict(v) for k, v in raw.get("casework", {}).items()},
        )
    except KeyError as exc:
        raise config.ConfigError(f"{path}: missing key {exc}") from exc


@lru_cache(maxsize=1)
def current() -> Partnership:
    """Return the configured partnership (SAFERLEEDS_PARTNERSHIP, default Leeds)."""
    return load_partnership(config.get("SAFERLEEDS_PARTNERSHIP") or SHIPPED)
