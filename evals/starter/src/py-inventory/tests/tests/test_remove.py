import unittest

from inventory import Inventory
from report import stock_report


class RemoveTest(unittest.TestCase):
    def test_remove_takes_stock_out(self):
        inventory = Inventory()
        inventory.add("apple", 5)
        inventory.remove("apple", 2)
        self.assertEqual(inventory.quantity("apple"), 3)

    def test_remove_more_than_stock_names_the_item(self):
        inventory = Inventory()
        inventory.add("apple", 1)
        with self.assertRaisesRegex(ValueError, "apple"):
            inventory.remove("apple", 2)
        self.assertEqual(inventory.quantity("apple"), 1)

    def test_empty_items_leave_the_report(self):
        inventory = Inventory()
        inventory.add("apple", 1)
        inventory.add("pear", 2)
        inventory.remove("apple", 1)
        self.assertEqual(stock_report(inventory), "pear: 2")

    def test_report_marks_low_stock(self):
        inventory = Inventory()
        inventory.add("apple", 2)
        inventory.add("pear", 9)
        self.assertEqual(stock_report(inventory, low=3), "apple: 2 (low)\npear: 9")


if __name__ == "__main__":
    unittest.main()
