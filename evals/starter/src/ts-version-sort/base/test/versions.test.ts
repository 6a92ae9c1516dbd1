import { test } from "node:test";
import assert from "node:assert/strict";
import { compareVersions } from "../src/versions.ts";

test("equal versions compare as 0", () => {
  assert.equal(compareVersions("1.2.3", "1.2.3"), 0);
});

test("a higher patch is newer", () => {
  assert.ok(compareVersions("1.2.4", "1.2.3") > 0);
});
