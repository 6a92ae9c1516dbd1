import { test } from "node:test";
import assert from "node:assert/strict";
import { median } from "../src/stats.js";

test("median of an odd count is the middle value", () => {
  assert.equal(median([7, 1, 3]), 3);
});

test("median of an even count averages the two middle values", () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("median does not reorder its input", () => {
  const values = [3, 1, 2];
  median(values);
  assert.deepEqual(values, [3, 1, 2]);
});

test("median rejects an empty array", () => {
  assert.throws(() => median([]), RangeError);
});
