import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../src/logger.js";
import { parseLevel } from "../src/levels.js";

function capture(level) {
  const lines = [];
  return { lines, logger: createLogger({ level, sink: (line) => lines.push(line) }) };
}

test("logger drops messages below its level", () => {
  const { lines, logger } = capture("info");
  logger.debug("hidden");
  logger.info("shown");
  assert.deepEqual(lines, ["INFO shown"]);
});

test("parseLevel ignores case and spaces", () => {
  assert.equal(parseLevel(" ERROR "), "error");
});

test("parseLevel rejects unknown levels", () => {
  assert.throws(() => parseLevel("loud"), /unknown log level/);
});
