import { test } from "node:test";
import assert from "node:assert/strict";
import { compareVersions, newestFirst } from "../src/versions.ts";

test("1.10.0 is newer than 1.9.0", () => {
  assert.ok(compareVersions("1.10.0", "1.9.0") > 0);
});

test("a missing part counts as zero", () => {
  assert.equal(compareVersions("1.2", "1.2.0"), 0);
});

test("a pre-release is older than its release", () => {
  assert.ok(compareVersions("2.0.0-beta.1", "2.0.0") < 0);
});

test("a leading v is ignored", () => {
  assert.equal(compareVersions("v3.1.0", "3.1.0"), 0);
});

test("newestFirst sorts release tags", () => {
  assert.deepEqual(newestFirst(["v1.9.0", "v1.10.0", "v1.10.0-rc.1", "v0.9.12"]), ["v1.10.0", "v1.10.0-rc.1", "v1.9.0", "v0.9.12"]);
});
