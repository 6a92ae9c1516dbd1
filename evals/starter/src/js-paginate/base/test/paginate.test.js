import { test } from "node:test";
import assert from "node:assert/strict";
import { paginate } from "../src/paginate.js";

test("paginate counts the pages", () => {
  assert.equal(paginate([1, 2, 3, 4, 5], 1, 2).pages, 3);
});

test("paginate rejects a size of zero", () => {
  assert.throws(() => paginate([1], 1, 0), RangeError);
});
