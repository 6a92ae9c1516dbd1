import { describe, expect, it } from "vitest";
import { parseTestResultLine, TestResultCollector } from "../../src/core/checks/test-results.js";

describe("per-test outcomes from runner output", () => {
  it.each([
    // node --test, TAP (Node 20 without a terminal) and spec (Node 22+)
    ["ok 3 - median of an odd count", "median of an odd count", "passed"],
    ["not ok 4 - median rejects an empty array", "median rejects an empty array", "failed"],
    ["ok 5 - later # SKIP not yet", "later", "skipped"],
    ["    ok 1 - a subtest", "a subtest", "passed"],
    ["✔ slugify strips accents (0.51ms)", "slugify strips accents", "passed"],
    ["✖ slugify collapses runs (1.2ms)", "slugify collapses runs", "failed"],
    // jest --verbose, vitest verbose
    ["    ✓ adds numbers (3 ms)", "adds numbers", "passed"],
    ["    ✕ subtracts numbers (5 ms)", "subtracts numbers", "failed"],
    [" ✓ src/math.test.ts > math > adds 2ms", "src/math.test.ts > math > adds", "passed"],
    [" × src/math.test.ts > math > divides 4ms", "src/math.test.ts > math > divides", "failed"],
    // pytest -rA summary and -v lines
    ["PASSED tests/test_x.py::test_a", "tests/test_x.py::test_a", "passed"],
    ["FAILED tests/test_x.py::test_b - AssertionError: assert 1 == 2", "tests/test_x.py::test_b", "failed"],
    ["ERROR tests/test_x.py::test_c - ImportError", "tests/test_x.py::test_c", "failed"],
    ["tests/test_x.py::TestK::test_d[1-2] PASSED                  [ 50%]", "tests/test_x.py::TestK::test_d[1-2]", "passed"],
    ["SKIPPED [1] tests/test_x.py:3: no db", null, null],
    // unittest -v
    ["test_add (test_calc.CalcTest.test_add) ... ok", "test_add (test_calc.CalcTest.test_add)", "passed"],
    ["test_sub (test_calc.CalcTest.test_sub) ... FAIL", "test_sub (test_calc.CalcTest.test_sub)", "failed"],
    ["test_div (test_calc.CalcTest) ... ERROR", "test_div (test_calc.CalcTest)", "failed"],
    ["test_skip (test_calc.CalcTest.test_skip) ... skipped 'later'", "test_skip (test_calc.CalcTest.test_skip)", "skipped"],
    // not results
    ["# pass 3", null, null],
    ["✖ failing tests:", null, null],
    ["===== 3 passed in 0.02s =====", null, null],
  ])("%s", (line, name, outcome) => {
    expect(parseTestResultLine(`\x1b[32m${line}\x1b[39m`)).toEqual(name === null ? null : { name, outcome });
  });

  it("keeps the worst outcome of a name reported twice, and finds unittest names in either Python form", () => {
    const collector = new TestResultCollector();
    for (const line of [
      "✔ shared name (1ms)",
      "✖ shared name (2ms)",
      "✔ shared name (1ms)",
      "test_add (test_calc.CalcTest.test_add) ... ok",
      "test_old (test_calc.CalcTest) ... ok",
    ])
      collector.push(line);
    expect(collector.outcome("shared name")).toBe("failed");
    expect(collector.outcome("test_add (test_calc.CalcTest)")).toBe("passed");
    expect(collector.outcome("test_old (test_calc.CalcTest.test_old)")).toBe("passed");
    expect(collector.outcome("never ran")).toBeUndefined();
  });
});
