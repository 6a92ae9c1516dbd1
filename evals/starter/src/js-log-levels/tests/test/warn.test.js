import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../src/logger.js";
import { parseLevel } from "../src/levels.js";

function capture(level) {
  const lines = [];
  return { lines, logger: createLogger({ level, sink: (line) => lines.push(line) }) };
}

test("logger.warn writes a WARN line", () => {
  const { lines, logger } = capture("info");
  logger.warn("disk almost full");
  assert.deepEqual(lines, ["WARN disk almost full"]);
});

test("a warn logger drops info but keeps warn and error", () => {
  const { lines, logger } = capture("warn");
  logger.info("hidden");
  logger.warn("careful");
  logger.error("broken");
  assert.deepEqual(lines, ["WARN careful", "ERROR broken"]);
});

test("an error logger drops warn", () => {
  const { lines, logger } = capture("error");
  logger.warn("hidden");
  assert.deepEqual(lines, []);
});

test("parseLevel accepts WARN", () => {
  assert.equal(parseLevel("WARN"), "warn");
});
