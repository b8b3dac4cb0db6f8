"""The org chart and the electronic directory: unit ancestry and roles (``structure``), search, unit pages and
contact upkeep (``directory``), CSV import (``directory_import``)."""

from govhub.services.org.directory import EditOptions, OfficialCard, SearchPage, UnitDetail, UnitRow, do_update_contact
from govhub.services.org.directory_import import ImportReport, RejectedRow, do_import_csv

__all__ = [
    "EditOptions", "ImportReport", "OfficialCard", "RejectedRow", "SearchPage", "UnitDetail", "UnitRow",
    "do_import_csv", "do_update_contact",
]
