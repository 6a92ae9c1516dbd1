import { test } from "node:test";
import assert from "node:assert/strict";
import { daysInMonth, isLeapYear } from "../src/calendar.ts";

test("1900 is not a leap year", () => {
  assert.equal(isLeapYear(1900), false);
});

test("2000 is a leap year", () => {
  assert.equal(isLeapYear(2000), true);
});

test("February 2100 has 28 days", () => {
  assert.equal(daysInMonth(2100, 2), 28);
});
