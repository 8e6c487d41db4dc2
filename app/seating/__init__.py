"""Seat inventory. Importing the package registers its publish step with events (see inventory.create_inventory)."""

from app.seating import inventory as _inventory  # noqa: F401
from app.seating import places as _places  # noqa: F401 (counts a series' dates)
