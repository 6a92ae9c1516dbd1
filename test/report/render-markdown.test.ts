import { describe, expect, it } from "vitest";
import { renderReportMarkdown, renderReportText } from "../../src/core/report/render-markdown.js";
import { runReportSchema, type CallRecord, type CheckResult, type PhaseRecord, type RunReport } from "../../src/core/report/run-report.js";
import type { RoleName } from "../../src/core/roles/role-names.js";

const T0 = Date.parse("2026-01-10T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

function phase(name: string, phaseName: string, round: number, from: number, to: number, status: PhaseRecord["status"] = "ok", agent?: RoleName): PhaseRecord {
  return { name, phase: phaseName, round, startedAt: at(from), endedAt: at(to), durationMs: to - from, status, ...(agent ? { agent } : {}) };
}

function call(
  agent: RoleName,
  round: number,
  startMs: number,
  model: string,
  prompt: number,
  completion: number,
  cached: number,
  retries: number,
  costUsd: number,
  latencyMs: number,
): CallRecord {
  return {
    agent,
    phase: agent,
    round,
    model,
    startedAt: at(startMs),
    latencyMs,
    promptTokens: prompt,
    completionTokens: completion,
    cachedTokens: cached,
    retries,
    costUsd,
    ok: true,
  };
}

function check(name: string, kind: CheckResult["kind"], status: CheckResult["status"], exitCode: number | null, output = "", failures: string[] = []): CheckResult {
  return { name, kind, command: kind === "test" ? "node --test" : undefined, status, exitCode, durationMs: 1240, output, failures, preExistingFailures: [], notes: [] };
}

const CALLS: CallRecord[] = [
  call("architect", 0, 400, "gpt-4.1", 3210, 512, 0, 0, 0.0105, 4800),
  call("developer", 0, 5400, "gpt-4.1", 5123, 1480, 2048, 1, 0.0214, 11800),
  call("tester", 0, 17400, "gpt-4.1-mini", 4800, 900, 0, 0, 0.0033, 7900),
  call("reviewer", 0, 27100, "gpt-4.1", 6020, 310, 3072, 0, 0.0145, 5900),
  call("debugger", 1, 33100, "gpt-4.1", 7400, 1510, 4096, 0, 0.0268, 7900),
  call("reviewer", 1, 42800, "o4-mini", 6110, 120, 3072, 0, 0.0072, 4100),
  call("documenter", 1, 47000, "gpt-4.1-mini", 2900, 650, 0, 2, 0.0022, 5000),
  call("summarizer", 1, 52000, "gpt-4.1-mini", 2100, 400, 0, 0, 0.0015, 3000),
];

function usageOf(calls: CallRecord[]) {
  return {
    calls: calls.length,
    promptTokens: calls.reduce((s, c) => s + c.promptTokens, 0),
    completionTokens: calls.reduce((s, c) => s + c.completionTokens, 0),
    cachedTokens: calls.reduce((s, c) => s + c.cachedTokens, 0),
    retries: calls.reduce((s, c) => s + c.retries, 0),
    costUsd: calls.reduce((s, c) => s + c.costUsd, 0),
    latencyMs: calls.reduce((s, c) => s + c.latencyMs, 0),
  };
}

const FAILING_OUTPUT = `TAP version 13
not ok 2 - slugify collapses runs of other characters into one dash
  error: |-
    Expected values to be strictly equal:
    + 'hello--world'
    - 'hello-world'
# fail 1`;

/** The demo's run: the developer's slugify fails a test, the debugger fixes it, the reviewer approves. */
function readyReport(): RunReport {
  const agents = [...new Set(CALLS.map((c) => c.agent))].map((agent) => {
    const own = CALLS.filter((c) => c.agent === agent);
    return { agent, models: [...new Set(own.map((c) => c.model))], ...usageOf(own) };
  });
  const totals = usageOf(CALLS);
  const passing = [check("syntax", "syntax", "pass", 0), check("test", "test", "pass", 0, "# pass 13\n# fail 0")];
  return runReportSchema.parse({
    version: 1,
    task: { title: "Add a slugify(text) helper", source: "issue", reference: "octo/text-tools#7" },
    result: "ready",
    reason: "All checks pass and the reviewer approved after 1 repair round.",
    repository: { baseCommit: "c22fb8b31d10a6c6c53d44a3da6a457871deccde", branch: "codegen-crew/issue-7-slugify", headCommit: "9f1e2d3c4b5a69788796a5b4c3d2e1f009182736" },
    startedAt: at(0),
    endedAt: at(56_000),
    durationMs: 56_000,
    phases: [
      phase("intake", "intake", 0, 0, 0),
      phase("context", "context", 0, 0, 400),
      phase("architect", "architect", 0, 400, 5200, "ok", "architect"),
      phase("developer", "developer", 0, 5400, 17200, "ok", "developer"),
      phase("tester", "tester", 0, 17400, 25300, "ok", "tester"),
      phase("tests", "tests", 0, 25400, 27000, "failed"),
      phase("reviewer", "reviewer", 0, 27100, 33000, "ok", "reviewer"),
      phase("debugger (round 1)", "debugger", 1, 33100, 41000, "ok", "debugger"),
      phase("tests (round 1)", "tests", 1, 41000, 42700),
      phase("reviewer (round 1)", "reviewer", 1, 42800, 46900, "ok", "reviewer"),
      phase("documenter", "documenter", 1, 47000, 52000, "ok", "documenter"),
      phase("summarizer", "summarizer", 1, 52000, 55000, "ok", "summarizer"),
      phase("publish", "publish", 1, 55000, 56000),
    ],
    calls: CALLS,
    agents,
    totals,
    rounds: [
      {
        round: 0,
        durationMs: 27_700,
        checks: [check("syntax", "syntax", "pass", 0), check("test", "test", "fail", 1, FAILING_OUTPUT, ["slugify collapses runs of other characters into one dash"])],
        review: { verdict: "request_changes", blocking: 1 },
        problems: ["test failed: slugify collapses runs of other characters into one dash", "review (major) src/strings.js:43: runs are not collapsed"],
        changedFiles: ["src/strings.js", "test/slugify.test.js"],
      },
      { round: 1, durationMs: 13_800, checks: passing, review: { verdict: "approve", blocking: 0 }, problems: [], changedFiles: ["src/strings.js"] },
    ],
    checks: passing,
    review: { verdict: "approve", comments: [{ path: "src/strings.js", line: 35, severity: "nit", message: "Say in the README that ß and ø count as separators." }] },
    plan: { summary: "Add slugify next to the other helpers.", steps: ["Add slugify", "Test it", "Document it"] },
    files: [
      { path: "src/strings.js", status: "modified", by: ["developer", "debugger"] },
      { path: "test/slugify.test.js", status: "added", by: ["tester"] },
      { path: "README.md", status: "modified", by: ["documenter"] },
    ],
    refused: [{ path: ".github/workflows/release.yml", reason: "denied by paths.deny (.github/**)", agent: "developer" }],
    pullRequest: { title: "Add slugify(text) helper to text-tools", body: "…" },
    budget: { limits: { tokens: 400_000, costUsd: 2, minutes: 30 }, used: { tokens: totals.promptTokens + totals.completionTokens, costUsd: totals.costUsd, minutes: 56 / 60 } },
  });
}

/** A run that stopped in the tests phase with hostile-looking output, paths and comments. */
function failedReport(output: string): RunReport {
  const base = readyReport();
  const failing = check("test", "test", "fail", 1, output, ["slugify | edge case"]);
  return runReportSchema.parse({
    ...base,
    result: "failed",
    reason: "The tests still fail after 3 repair rounds.",
    stoppedAt: { phase: "tests", error: "1 test failing after round 3" },
    phases: [...base.phases.slice(0, 5), phase("tests: round #2; retry", "tests", 2, 25400, 27000, "failed")],
    checks: [check("syntax", "syntax", "pass", 0), failing],
    review: { verdict: "request_changes", comments: [{ path: "src/a|b.js", line: 3, severity: "major", message: "first line\n<img src=x onerror=alert(1)> | not a cell" }] },
    files: [{ path: "src/we|ird\nname<script>.js", status: "added", by: ["developer"] }],
  });
}

/** Splits a Markdown table row into cells the way GFM does: only unescaped pipes separate cells. */
function cells(row: string): string[] {
  return row
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function rowStartingWith(markdown: string, first: string): string[] {
  const line = markdown.split("\n").find((l) => l.startsWith(`| ${first} |`));
  if (!line) throw new Error(`no table row starting with ${first}`);
  return cells(line);
}

function mermaidBlock(markdown: string): string[] {
  const match = /```mermaid\n([\s\S]*?)\n```/.exec(markdown);
  if (!match) throw new Error("no mermaid block");
  return match[1]!.split("\n");
}

/** The fenced block that follows `opening` and where CommonMark closes it: the first line of at least as many backticks. */
function fencedBlockAfter(markdown: string, opening: RegExp): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => opening.test(l));
  if (start < 0) throw new Error("no opening fence");
  const fence = /^(`{3,})/.exec(lines[start]!)![1]!;
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^ {0,3}\`{${fence.length},}\\s*$`).test(l));
  return lines.slice(start + 1, end).join("\n");
}

const TASK_LINE = /^ {2}[^:#;\n]+ :(?:(?:crit|done|active|milestone), )+(\d+), (\d+)$/;

describe("renderReportMarkdown", () => {
  it("leads with the result and the reason, and the title option replaces the task title", () => {
    const report = readyReport();
    const md = renderReportMarkdown(report);
    expect(md.split("\n")[0]).toBe("## ✅ Ready: Add a slugify(text) helper");
    expect(md).toContain("**Reason:** All checks pass and the reviewer approved after 1 repair round.");
    expect(md).toContain("`codegen-crew/issue-7-slugify`");
    expect(renderReportMarkdown(report, { title: "codegen-crew run" }).split("\n")[0]).toBe("## ✅ Ready: codegen-crew run");
    const badges = { draft: "📝 Draft", failed: "❌ Failed", skipped: "⏭️ Skipped" } as const;
    for (const [result, badge] of Object.entries(badges)) {
      expect(renderReportMarkdown({ ...report, result: result as RunReport["result"] }).split("\n")[0]).toContain(badge);
    }
  });

  it("has a row per agent with its models, tokens with separators, cost and time, and a totals row", () => {
    const md = renderReportMarkdown(readyReport());
    expect(rowStartingWith(md, "developer")).toEqual(["developer", "gpt-4.1", "1", "5,123", "1,480", "2,048", "1", "$0.0214", "11.8 s"]);
    expect(rowStartingWith(md, "reviewer")).toEqual(["reviewer", "gpt-4.1, o4-mini", "2", "12,130", "430", "6,144", "0", "$0.0217", "10.0 s"]);
    expect(rowStartingWith(md, "**Total**")).toEqual(["**Total**", "", "**8**", "**37,663**", "**5,882**", "**12,288**", "**3**", "**$0.0874**", "**50.4 s**"]);
    expect(rowStartingWith(md, "Tokens")).toEqual(["Tokens", "43,545", "400,000", "11%"]);
    expect(rowStartingWith(md, "Cost")).toEqual(["Cost", "$0.0874", "$2.0000", "4%"]);
  });

  it("shows $0.0000 for a run whose price is unknown", () => {
    const report = readyReport();
    const free = { ...report, agents: report.agents.map((a) => ({ ...a, costUsd: 0 })), totals: { ...report.totals, costUsd: 0 } };
    expect(rowStartingWith(renderReportMarkdown(free), "architect")[7]).toBe("$0.0000");
  });

  it("lists checks, repair rounds, review, files and refused paths", () => {
    const md = renderReportMarkdown(readyReport());
    expect(rowStartingWith(md, "test")).toEqual(["test", "`node --test`", "✅ pass", "0", "1.2 s"]);
    expect(rowStartingWith(md, "syntax")).toEqual(["syntax", "—", "✅ pass", "0", "1.2 s"]);
    expect(md).not.toContain("<details>");
    const round0 = rowStartingWith(md, "0 (developer)");
    expect(round0[1]).toBe("1 pass, 1 fail");
    expect(round0[2]).toBe("request changes (1 blocking)");
    expect(round0[3]).toBe("test failed: slugify collapses runs of other characters into one dash<br>review (major) src/strings.js:43: runs are not collapsed");
    expect(round0[4]).toBe("src/strings.js<br>test/slugify.test.js");
    expect(rowStartingWith(md, "1 (debugger)")).toEqual(["1 (debugger)", "2 pass", "approve", "none", "src/strings.js"]);
    expect(md).toContain("**Verdict:** ✅ approve");
    expect(rowStartingWith(md, "nit")).toEqual(["nit", "src/strings.js:35", "Say in the README that ß and ø count as separators."]);
    expect(rowStartingWith(md, "src/strings.js")).toEqual(["src/strings.js", "modified", "developer, debugger"]);
    expect(rowStartingWith(md, "README.md")).toEqual(["README.md", "modified", "documenter"]);
    expect(rowStartingWith(md, ".github/workflows/release.yml")).toEqual([".github/workflows/release.yml", "developer", "denied by paths.deny (.github/\\*\\*)"]);
  });

  it("draws a Mermaid gantt chart with one section per stage and valid task lines", () => {
    const report = readyReport();
    const chart = mermaidBlock(renderReportMarkdown(report));
    expect(chart[0]).toBe("gantt");
    expect(chart).toContain("  dateFormat x");
    expect(chart.some((l) => /^ {2}axisFormat %/.test(l))).toBe(true);
    const sections = chart.filter((l) => l.startsWith("  section "));
    expect(sections.map((s) => s.slice("  section ".length))).toEqual([...new Set(report.phases.map((p) => p.phase))]);
    const tasks = chart.filter((l) => l.startsWith("  ") && !/^ {2}(section|title|dateFormat|axisFormat|todayMarker) /.test(l));
    expect(tasks).toHaveLength(report.phases.length);
    for (const task of tasks) {
      const match = TASK_LINE.exec(task);
      expect(match, task).not.toBeNull();
      expect(Number(match![2]), `${task} has a visible length`).toBeGreaterThan(Number(match![1]));
    }
    expect(tasks[0]).toMatch(new RegExp(`^ {2}intake :done, ${T0}, \\d+$`));
    expect(tasks.find((t) => t.startsWith("  tests :"))).toMatch(/:crit, /);
    expect(tasks.find((t) => t.startsWith("  debugger (round 1) :"))).toBe(`  debugger (round 1) :done, ${T0 + 33100}, ${T0 + 41000}`);
  });

  it("names the phase where a failed run stopped, marks it critical and shows the failing output", () => {
    const md = renderReportMarkdown(failedReport(FAILING_OUTPUT));
    expect(md.split("\n")[0]).toBe("## ❌ Failed: Add a slugify(text) helper");
    expect(md).toContain("> ❌ **Stopped at `tests`:** 1 test failing after round 3");
    const task = mermaidBlock(md).find((l) => l.includes("retry"));
    expect(task).toMatch(TASK_LINE);
    expect(task).toMatch(/^ {2}tests round 2 retry :crit, /);
    expect(rowStartingWith(md, "test")).toEqual(["test", "`node --test`", "❌ fail", "1", "1.2 s"]);
    expect(md).toContain("<details>\n<summary>test: fail, output (7 lines)</summary>");
    expect(md).toContain("**Failures:** slugify \\| edge case");
    expect(fencedBlockAfter(md, /^`{3,}text$/)).toBe(FAILING_OUTPUT);
  });

  it("keeps only the tail of long output", () => {
    const output = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\n");
    const md = renderReportMarkdown(failedReport(output), { maxOutputLines: 5 });
    expect(md).toContain("last 5 of 100 output lines");
    expect(fencedBlockAfter(md, /^`{3,}text$/)).toBe("line 96\nline 97\nline 98\nline 99\nline 100");
  });

  it("fences output so backticks inside cannot close the block", () => {
    const output = "before\n```\nnot the end\n`````\nstill inside ```` here\n</details>\nafter";
    const md = renderReportMarkdown(failedReport(output));
    expect(md).toContain("``````text\n");
    expect(fencedBlockAfter(md, /^`{3,}text$/)).toBe(output);
  });

  it("escapes pipes, newlines and HTML from paths and comments so they stay inside their cell", () => {
    const md = renderReportMarkdown(failedReport(FAILING_OUTPUT));
    const fileRow = md.split("\n").find((l) => l.startsWith("| src/we"));
    expect(fileRow).toBeDefined();
    expect(cells(fileRow!)).toEqual(["src/we\\|ird<br>name&lt;script&gt;.js", "added", "developer"]);
    const commentRow = cells(md.split("\n").find((l) => l.startsWith("| major |"))!);
    expect(commentRow).toHaveLength(3);
    expect(commentRow[1]).toBe("src/a\\|b.js:3");
    expect(commentRow[2]).toBe("first line<br>&lt;img src=x onerror=alert(1)&gt; \\| not a cell");
    expect(md).not.toMatch(/<script|<img/);
  });

  it("escapes the title and reason in the headline", () => {
    const report = { ...readyReport(), reason: "done\n# not a heading <b>x</b>" };
    const md = renderReportMarkdown(report, { title: "evil <script>alert(1)</script>" });
    expect(md.split("\n")[0]).toBe("## ✅ Ready: evil &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(md).toContain("**Reason:** done # not a heading &lt;b&gt;x&lt;/b&gt;");
  });
});

describe("renderReportText", () => {
  it("summarises result, reason, branch, files, checks and totals in plain text", () => {
    const text = renderReportText(readyReport());
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("codegen-crew: READY - Add a slugify(text) helper");
    expect(lines).toContain("Reason: All checks pass and the reviewer approved after 1 repair round.");
    expect(lines).toContain("Branch: codegen-crew/issue-7-slugify @ 9f1e2d3c4b5a");
    expect(lines).toContain("Files: src/strings.js (modified), test/slugify.test.js (added), README.md (modified)");
    expect(lines).toContain("Checks: syntax pass, test pass");
    expect(lines).toContain("Totals: 8 calls, 43,545 tokens (37,663 prompt / 5,882 completion / 12,288 cached), 3 retries, $0.0874, 56.0 s");
    expect(text).not.toMatch(/[|#*`]/);
  });

  it("says where a failed run stopped and keeps terminal control codes out", () => {
    const report = failedReport("x");
    report.checks[1] = { ...report.checks[1]!, name: "test\u001b[2J\u001b[31m" };
    const text = renderReportText(report);
    expect(text).toContain("Stopped at: tests: 1 test failing after round 3");
    expect(text).toContain("Checks: syntax pass, test fail (exit 1)");
    expect(text).toContain("Files: src/we|ird name<script>.js (added)");
    expect(text).not.toContain("\u001b");
  });
});

describe("check notes and pre-existing failures", () => {
  it("lists each check's notes and the failures the base commit already had", () => {
    const report = runReportSchema.parse({
      ...JSON.parse(JSON.stringify(readyReportForNotes())),
    });
    const md = renderReportMarkdown(report);
    expect(md).toContain("**Notes**");
    expect(md).toContain("- test: network: isolated (unshare)");
    expect(md).toMatch(/- test: already failing on the base commit \(not caused by this change\): legacy parser handles CRLF/);
  });
});

function readyReportForNotes(): RunReport {
  const report = readyReport();
  const test = report.checks.find((c) => c.kind === "test")!;
  test.notes = ["network: isolated (unshare)"];
  test.preExistingFailures = ["legacy parser handles CRLF"];
  return report;
}
