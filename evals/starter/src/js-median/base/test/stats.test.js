import { test } from "node:test";
import assert from "node:assert/strict";
import { mean } from "../src/stats.js";

test("mean averages the values", () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
});

test("mean rejects an empty array", () => {
  assert.throws(() => mean([]), RangeError);
});
