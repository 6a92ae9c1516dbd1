import { test } from "node:test";
import assert from "node:assert/strict";
import { compact } from "../src/arrays.ts";

test("compact drops null and undefined", () => {
  assert.deepEqual(compact([1, null, 2, undefined, 0]), [1, 2, 0]);
});
