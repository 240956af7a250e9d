"""data.police.uk street-level crime and ASB files."""

from saferleeds.importers.police.importer import (
    FileResult,
    ImportReport,
    UnusableFile,
    import_police,
)

__all__ = ["FileResult", "ImportReport", "UnusableFile", "import_police"]
