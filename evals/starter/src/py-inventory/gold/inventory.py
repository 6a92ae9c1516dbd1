"""Stock levels of a small shop."""


class Inventory:
    def __init__(self):
        self._stock = {}

    def add(self, name: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._stock[name] = self._stock.get(name, 0) + quantity

    def remove(self, name: str, quantity: int) -> None:
        """Takes `quantity` of `name` out of stock; an item that reaches 0 is dropped."""
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        have = self._stock.get(name, 0)
        if quantity > have:
            raise ValueError(f"only {have} of {name} in stock")
        if quantity == have:
            del self._stock[name]
        else:
            self._stock[name] = have - quantity

    def quantity(self, name: str) -> int:
        return self._stock.get(name, 0)

    def items(self):
        """(name, quantity) pairs, sorted by name."""
        return sorted(self._stock.items())
