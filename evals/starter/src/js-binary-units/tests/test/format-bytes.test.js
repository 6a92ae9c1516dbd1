import { test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes } from "../src/format-bytes.js";

test("formatBytes keeps small counts in bytes", () => {
  assert.equal(formatBytes(999), "999 B");
});

test("formatBytes keeps 1023 in bytes", () => {
  assert.equal(formatBytes(1023), "1023 B");
});

test("formatBytes uses KiB from 1024 bytes", () => {
  assert.equal(formatBytes(1024), "1 KiB");
  assert.equal(formatBytes(1536), "1.5 KiB");
});

test("formatBytes uses MiB and GiB", () => {
  assert.equal(formatBytes(5 * 1024 * 1024), "5 MiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3 GiB");
});

test("formatBytes rejects negative counts", () => {
  assert.throws(() => formatBytes(-1), RangeError);
});
