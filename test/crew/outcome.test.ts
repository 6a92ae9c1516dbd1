import { describe, expect, it } from "vitest";
import { decideOutcome, type OutcomeFacts } from "../../src/core/crew/outcome.js";
import { BudgetExceededError, CancelledError, ModelError } from "../../src/core/errors.js";
import type { CheckResult } from "../../src/core/report/run-report.js";

function check(name: string, kind: CheckResult["kind"], status: CheckResult["status"]): CheckResult {
  return { name, kind, status, exitCode: status === "pass" ? 0 : 1, durationMs: 1, output: "", failures: [], preExistingFailures: [], notes: [] };
}

const passing = [check("syntax", "syntax", "pass"), check("test", "test", "pass")];
const facts = (over: Partial<OutcomeFacts> = {}): OutcomeFacts => ({
  hasChange: true,
  checks: passing,
  review: { verdict: "approve", comments: [] },
  repairRounds: 0,
  hasTestCommand: true,
  notes: [],
  ...over,
});

describe("decideOutcome", () => {
  it("is ready only when the tests ran and passed and no blocking comment is left", () => {
    expect(decideOutcome(facts())).toEqual({ result: "ready", reason: "the checks pass and the reviewer approved" });
    const minor = decideOutcome(facts({ review: { verdict: "request_changes", comments: [{ path: "a.js", severity: "minor", message: "naming" }] } }));
    expect(minor.result).toBe("ready");
    expect(minor.reason).toMatch(/only minor review comments remain/);
  });

  it("is a draft when a check fails or a blocker or major comment remains, counting the rounds", () => {
    const failing = decideOutcome(facts({ checks: [check("test", "test", "fail")], repairRounds: 2 }));
    expect(failing).toEqual({ result: "draft", reason: "failing checks: test remain after 2 repair rounds" });
    const blocked = decideOutcome(
      facts({
        review: {
          verdict: "request_changes",
          comments: [
            { path: "a.js", severity: "blocker", message: "x" },
            { path: "b.js", severity: "major", message: "y" },
          ],
        },
        repairRounds: 1,
      }),
    );
    expect(blocked.reason).toBe("2 blocking review comments remain after 1 repair round");
    expect(decideOutcome(facts({ checks: [check("lint", "lint", "timeout"), check("test", "test", "pass")] })).result).toBe("draft");
  });

  it("is a draft, untested, when there is no test command or the tests did not run", () => {
    expect(decideOutcome(facts({ checks: [check("syntax", "syntax", "pass")], hasTestCommand: false })).reason).toMatch(/no test command was found/);
    expect(decideOutcome(facts({ checks: [check("syntax", "syntax", "pass"), check("test", "test", "skipped")] })).reason).toMatch(/the tests did not run/);
  });

  it("adds the run's notes to the reason", () => {
    expect(decideOutcome(facts({ notes: ["the repair loop stopped early", "edits rolled back"] })).reason).toBe(
      "the checks pass and the reviewer approved; the repair loop stopped early; edits rolled back",
    );
  });

  it("fails without a change, and keeps a change made before a stop as a draft", () => {
    expect(decideOutcome(facts({ hasChange: false }))).toEqual({ result: "failed", reason: "the crew produced no change" });
    const error = new ModelError("server error", { kind: "server" });
    expect(decideOutcome(facts({ stopped: { phase: "tester", error } })).result).toBe("draft");
    expect(decideOutcome(facts({ hasChange: false, stopped: { phase: "architect", error } })).reason).toMatch(/^failed at architect: /);
    const budget = decideOutcome(facts({ stopped: { phase: "debugger", error: new BudgetExceededError("tokens", 10, 5) } }));
    expect(budget.reason).toMatch(/^stopped at debugger: run budget reached: tokens 10 of 5 tokens/);
  });

  it("never keeps a cancelled run's change as a draft", () => {
    expect(decideOutcome(facts({ stopped: { phase: "developer", error: new CancelledError("label removed") } }))).toEqual({
      result: "failed",
      reason: "cancelled at developer: CancelledError: label removed",
    });
  });
});
