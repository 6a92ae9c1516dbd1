import { z } from "zod";
import { crewSnapshotSchema } from "../crew/crew-snapshot.js";
import { ROLE_NAMES } from "../roles/role-names.js";

/**
 * The run report: one JSON object per run. This schema is public (docs/report.md); entry points render it
 * to Markdown for PR comments and write it to disk for tooling.
 */
export const RUN_RESULTS = ["ready", "draft", "failed", "skipped"] as const;
export type RunResult = (typeof RUN_RESULTS)[number];

const role = z.enum(ROLE_NAMES);
const iso = z.string().describe("ISO 8601 timestamp");

export const checkResultSchema = z.object({
  name: z.string().describe('e.g. "syntax", "test", "lint"'),
  kind: z.enum(["policy", "install", "syntax", "test", "lint"]),
  command: z.string().optional(),
  status: z.enum(["pass", "fail", "skipped", "timeout"]),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  /** The relevant part of the output (head and tail kept when long). */
  output: z.string(),
  /** Failing test names or file:line locations pulled from the output, for the debugger and the report. */
  failures: z.array(z.string()).default([]),
  /** Failures that already happened on the base commit (the baseline): listed, but not held against the change. */
  preExistingFailures: z.array(z.string()).default([]),
  /** Facts a reviewer should know: sandbox isolation, new tests not run, a toolchain missing… */
  notes: z.array(z.string()).default([]),
  /** Where the command ran: the sandbox tier and what its startup self-test proved (checks that ran a command). */
  sandbox: z
    .object({
      tier: z.enum(["strong", "namespaced", "weak"]),
      proven: z.array(z.string()),
      gaps: z.array(z.string()),
    })
    .optional(),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

export const phaseRecordSchema = z.object({
  name: z.string().describe('display name, e.g. "developer" or "debugger (round 2)"'),
  phase: z.string(),
  agent: role.optional(),
  round: z.number().int().nonnegative(),
  startedAt: iso,
  endedAt: iso,
  durationMs: z.number().nonnegative(),
  status: z.enum(["ok", "failed", "skipped"]),
  detail: z.string().optional(),
});
export type PhaseRecord = z.infer<typeof phaseRecordSchema>;

export const callRecordSchema = z.object({
  agent: role,
  phase: z.string(),
  round: z.number().int().nonnegative(),
  model: z.string(),
  startedAt: iso,
  latencyMs: z.number().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  /** Of latencyMs, the time spent waiting in the model request limiter. */
  queuedMs: z.number().nonnegative().optional(),
  costUsd: z.number().nonnegative(),
  ok: z.boolean(),
  error: z.string().optional(),
});
export type CallRecord = z.infer<typeof callRecordSchema>;

const usageTotals = z.object({
  calls: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  latencyMs: z.number().nonnegative(),
});
export type UsageTotals = z.infer<typeof usageTotals>;

export const agentUsageSchema = usageTotals.extend({ agent: role, models: z.array(z.string()) });
export type AgentUsage = z.infer<typeof agentUsageSchema>;

export const reviewCommentSchema = z.object({
  path: z.string(),
  line: z.number().int().positive().optional(),
  severity: z.enum(["blocker", "major", "minor", "nit"]),
  message: z.string(),
});
export type ReviewComment = z.infer<typeof reviewCommentSchema>;

export const roundRecordSchema = z.object({
  round: z.number().int().nonnegative().describe("0 = the developer's first attempt, 1.. = debugger rounds"),
  durationMs: z.number().nonnegative(),
  checks: z.array(checkResultSchema),
  review: z.object({ verdict: z.enum(["approve", "request_changes"]), blocking: z.number().int() }).nullable(),
  problems: z.array(z.string()).describe("what failed in this round, as given to the next debugger round"),
  changedFiles: z.array(z.string()),
});
export type RoundRecord = z.infer<typeof roundRecordSchema>;

export const fileChangeSchema = z.object({
  path: z.string(),
  status: z.enum(["added", "modified", "deleted"]),
  by: z.array(role),
});

export const revisionRecordSchema = z.object({
  summary: z.string().describe('what was asked, e.g. "review by @alice (changes requested)"'),
  items: z.array(
    z.object({ id: z.number().int(), kind: z.enum(["task", "review", "inline", "command"]), author: z.string(), path: z.string().optional(), line: z.number().int().optional() }),
  ),
  responses: z.array(z.object({ item: z.number().int(), reply: z.string() })).describe("the crew's reply to each item"),
  changedFiles: z.array(z.string()).describe("files this revision wrote; empty when the branch already did what was asked"),
});
export type RevisionRecord = z.infer<typeof revisionRecordSchema>;

export const runReportSchema = z.object({
  version: z.literal(1),
  task: z.object({ title: z.string(), source: z.string(), reference: z.string().optional() }),
  mode: z.enum(["new", "revision"]).default("new").describe("new: the change was written from the task; revision: an existing branch was revised"),
  result: z.enum(RUN_RESULTS),
  reason: z.string().describe("one sentence: why the run ended with this result"),
  stoppedAt: z.object({ phase: z.string(), error: z.string() }).optional(),
  repository: z.object({ baseCommit: z.string().optional(), branch: z.string().optional(), headCommit: z.string().optional() }),
  startedAt: iso,
  endedAt: iso,
  durationMs: z.number().nonnegative(),
  phases: z.array(phaseRecordSchema),
  calls: z.array(callRecordSchema),
  agents: z.array(agentUsageSchema),
  totals: usageTotals,
  rounds: z.array(roundRecordSchema),
  checks: z.array(checkResultSchema).describe("the last round's checks"),
  review: z.object({ verdict: z.enum(["approve", "request_changes"]), comments: z.array(reviewCommentSchema) }).nullable(),
  plan: z.object({ summary: z.string(), steps: z.array(z.string()) }).nullable(),
  files: z.array(fileChangeSchema),
  refused: z.array(z.object({ path: z.string(), reason: z.string(), agent: role })),
  pullRequest: z.object({ title: z.string(), body: z.string() }).nullable(),
  revision: revisionRecordSchema.optional(),
  /** What a later revision carries on from (see crew-snapshot.ts). */
  snapshot: crewSnapshotSchema.optional(),
  budget: z.object({
    limits: z.object({ tokens: z.number(), costUsd: z.number(), minutes: z.number() }),
    used: z.object({ tokens: z.number(), costUsd: z.number(), minutes: z.number() }),
  }),
});
export type RunReport = z.infer<typeof runReportSchema>;
