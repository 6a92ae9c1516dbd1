"""Stock levels of a small shop."""


class Inventory:
    def __init__(self):
        self._stock = {}

    def add(self, name: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._stock[name] = self._stock.get(name, 0) + quantity

    def quantity(self, name: str) -> int:
        return self._stock.get(name, 0)

    def items(self):
        """(name, quantity) pairs, sorted by name."""
        return sorted(self._stock.items())
