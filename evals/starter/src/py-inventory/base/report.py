"""Text reports about an inventory."""

from inventory import Inventory


def stock_report(inventory: Inventory) -> str:
    """One "name: quantity" line per item."""
    return "\n".join(f"{name}: {quantity}" for name, quantity in inventory.items())
