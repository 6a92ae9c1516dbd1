import unittest

from inventory import Inventory
from report import stock_report


class InventoryTest(unittest.TestCase):
    def test_add_accumulates(self):
        inventory = Inventory()
        inventory.add("apple", 2)
        inventory.add("apple", 3)
        self.assertEqual(inventory.quantity("apple"), 5)

    def test_add_rejects_zero(self):
        with self.assertRaises(ValueError):
            Inventory().add("apple", 0)

    def test_report_lists_items_by_name(self):
        inventory = Inventory()
        inventory.add("pear", 1)
        inventory.add("apple", 4)
        self.assertEqual(stock_report(inventory), "apple: 4\npear: 1")


if __name__ == "__main__":
    unittest.main()
