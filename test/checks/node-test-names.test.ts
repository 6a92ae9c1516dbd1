import { describe, expect, it } from "vitest";
import { declaredTestNames, reportedTestName } from "../../src/core/checks/node-test-names.js";

describe("node test names", () => {
  it("reads the literal names a test file declares, and leaves out what it would have to guess", () => {
    const source = `import { describe, it, test } from "node:test";
describe("shout", () => {
  it('upper-cases', () => {});
  it.skip(\`keeps punctuation\`, () => {});
  test("adds one mark", async (t) => {
    await t.test("a subtest", () => {});
  });
  it(\`handles \${kind}\`, () => {});
  it("escaped \\"quote\\"", () => {});
  it(name, () => {});
  // attest("not a test") and my.test("nor this")
});
test.only("upper-cases", () => {});
`;
    expect(declaredTestNames(source)).toEqual(["shout", "upper-cases", "keeps punctuation", "adds one mark"]);
    expect(declaredTestNames("const x = 1;\n")).toEqual([]);
  });

  it("reads the names node's runner reports, TAP and spec alike, unescaped", () => {
    expect(reportedTestName("ok 1 - adds numbers")).toBe("adds numbers");
    expect(reportedTestName("    not ok 2 - issue \\#12 fixed # SKIP")).toBe("issue #12 fixed");
    expect(reportedTestName("✔ upper-cases (1.2ms)")).toBe("upper-cases");
    expect(reportedTestName("✔ upper-cases (1.2ms)", "tap")).toBeUndefined();
    expect(reportedTestName("# Subtest: adds numbers")).toBeUndefined();
  });
});
