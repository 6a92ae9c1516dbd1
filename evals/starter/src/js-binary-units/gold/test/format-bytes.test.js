import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes } from "../src/format-bytes.js";

test("formatBytes keeps small counts in bytes", () => {
  assert.equal(formatBytes(999), "999 B");
});

test("formatBytes uses kibibytes", () => {
  assert.equal(formatBytes(1536), "1.5 KiB");
});

test("formatBytes rejects negative counts", () => {
  assert.throws(() => formatBytes(-1), RangeError);
});
