import { test } from "node:test";
import assert from "node:assert/strict";
import { paginate } from "../src/paginate.js";

test("paginate counts the pages", () => {
  assert.equal(paginate([1, 2, 3, 4, 5], 1, 2).pages, 3);
});

test("paginate rejects a size of zero", () => {
  assert.throws(() => paginate([1], 1, 0), RangeError);
});

test("paginate returns the first items on page 1", () => {
  assert.deepEqual(paginate([1, 2, 3, 4, 5], 1, 2).items, [1, 2]);
});

test("paginate returns a short last page", () => {
  assert.deepEqual(paginate([1, 2, 3, 4, 5], 3, 2).items, [5]);
});

test("paginate clamps a page past the end to the last page", () => {
  assert.deepEqual(paginate([1, 2, 3], 9, 2), { items: [3], page: 2, pages: 2 });
});
