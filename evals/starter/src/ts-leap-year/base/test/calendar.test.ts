import { test } from "node:test";
import assert from "node:assert/strict";
import { daysInMonth, isLeapYear } from "../src/calendar.ts";

test("2024 is a leap year", () => {
  assert.equal(isLeapYear(2024), true);
});

test("2023 is not a leap year", () => {
  assert.equal(isLeapYear(2023), false);
});

test("daysInMonth knows April", () => {
  assert.equal(daysInMonth(2023, 4), 30);
});
