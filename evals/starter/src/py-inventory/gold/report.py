"""Text reports about an inventory."""

from inventory import Inventory


def stock_report(inventory: Inventory, low: int = 0) -> str:
    """One "name: quantity" line per item; items at or below `low` are marked " (low)"."""
    return "\n".join(f"{name}: {quantity}{' (low)' if quantity <= low else ''}" for name, quantity in inventory.items())
