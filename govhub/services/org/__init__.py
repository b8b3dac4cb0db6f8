"""The org chart and the electronic directory: unit ancestry and roles (``structure``), search, unit pages and
contact upkeep (``directory``), CSV import (``directory_import``)."""
