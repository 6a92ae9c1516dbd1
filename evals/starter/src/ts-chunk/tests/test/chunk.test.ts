import { test } from "node:test";
import assert from "node:assert/strict";
import { chunk } from "../src/arrays.ts";

test("chunk splits into groups of the given size", () => {
  assert.deepEqual(chunk([1, 2, 3, 4], 2), [[1, 2], [3, 4]]);
});

test("chunk keeps a shorter last group", () => {
  assert.deepEqual(chunk(["a", "b", "c"], 2), [["a", "b"], ["c"]]);
});

test("chunk of an empty array is empty", () => {
  assert.deepEqual(chunk([], 3), []);
});

test("chunk rejects sizes below 1", () => {
  assert.throws(() => chunk([1], 0), RangeError);
});
