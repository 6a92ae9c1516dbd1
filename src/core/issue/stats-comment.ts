import { z } from "zod";
import { crewSnapshotSchema, parseCrewSnapshot, type CrewSnapshot } from "../crew/crew-snapshot.js";
import { cell, duration, renderReportMarkdown, tokens, usd } from "../report/render-markdown.js";
import { RUN_RESULTS, type RunReport } from "../report/run-report.js";
import { ROLE_NAMES } from "../roles/role-names.js";

export const STATS_MARKER = "<!-- codegen-crew:stats -->";
const DATA_PATTERN = /<!-- codegen-crew:data ([A-Za-z0-9+/=]+) -->/;
/** Old runs beyond this are summed into the totals but no longer listed one by one. */
const MAX_RUNS = 30;

/** One run of the PR's life, as the stats comment keeps it. */
const runSummarySchema = z.object({
  mode: z.enum(["new", "revision"]),
  trigger: z.string().max(200),
  result: z.enum(RUN_RESULTS),
  at: z.string(),
  durationMs: z.number().nonnegative(),
  commit: z.string().max(64).optional(),
  calls: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  agents: z.array(z.object({ agent: z.enum(ROLE_NAMES), calls: z.number(), tokens: z.number(), costUsd: z.number(), latencyMs: z.number() })),
  checks: z.array(z.object({ name: z.string().max(100), status: z.string().max(20) })),
  /** "marked ready for review" or "converted to draft", when this run changed the PR's draft state. */
  draftChange: z.string().max(60).optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

const statsDataSchema = z.object({
  version: z.literal(1),
  snapshot: crewSnapshotSchema.optional(),
  /** Totals of runs dropped from `runs` (beyond MAX_RUNS), so the PR's totals still add up. */
  earlier: z.object({ runs: z.number().int(), calls: z.number().int(), tokens: z.number().int(), costUsd: z.number(), durationMs: z.number() }).optional(),
  runs: z.array(runSummarySchema),
});
export type StatsData = z.infer<typeof statsDataSchema>;

/**
 * The hidden data of a stats comment: the crew snapshot a revision carries on from, and one summary per
 * run. The comment is the bot's, but it is read back as untrusted data: schema-checked, and an unreadable
 * block counts as none (the PR's history then starts again from this run).
 */
export function readStatsData(body: string | undefined): StatsData {
  const match = body ? DATA_PATTERN.exec(body) : null;
  if (!match) return { version: 1, runs: [] };
  try {
    const parsed = statsDataSchema.safeParse(JSON.parse(Buffer.from(match[1]!, "base64").toString("utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through: unreadable
  }
  return { version: 1, runs: [] };
}

export function snapshotOf(data: StatsData): CrewSnapshot | undefined {
  return parseCrewSnapshot(data.snapshot);
}

export function summarizeRun(report: RunReport, trigger: string, draftChange: string | undefined): RunSummary {
  return {
    mode: report.mode,
    trigger: trigger.slice(0, 200),
    result: report.result,
    at: report.startedAt,
    durationMs: report.durationMs,
    ...(report.repository.headCommit ? { commit: report.repository.headCommit } : {}),
    calls: report.totals.calls,
    tokens: report.totals.promptTokens + report.totals.completionTokens,
    costUsd: report.totals.costUsd,
    agents: report.agents.map((a) => ({ agent: a.agent, calls: a.calls, tokens: a.promptTokens + a.completionTokens, costUsd: a.costUsd, latencyMs: a.latencyMs })),
    checks: report.checks.map((c) => ({ name: c.name.slice(0, 100), status: c.status })),
    ...(draftChange ? { draftChange } : {}),
  };
}

/** The history with this run added (oldest runs folded into `earlier` past the cap). */
export function appendRun(data: StatsData, run: RunSummary, snapshot: CrewSnapshot | undefined): StatsData {
  const runs = [...data.runs, run];
  let earlier = data.earlier;
  while (runs.length > MAX_RUNS) {
    const dropped = runs.shift()!;
    earlier = {
      runs: (earlier?.runs ?? 0) + 1,
      calls: (earlier?.calls ?? 0) + dropped.calls,
      tokens: (earlier?.tokens ?? 0) + dropped.tokens,
      costUsd: (earlier?.costUsd ?? 0) + dropped.costUsd,
      durationMs: (earlier?.durationMs ?? 0) + dropped.durationMs,
    };
  }
  return { version: 1, ...(snapshot ? { snapshot } : data.snapshot ? { snapshot: data.snapshot } : {}), ...(earlier ? { earlier } : {}), runs };
}

/** The stats comment: totals over the PR's life, one section per run, the latest run's full report. */
export function renderStatsComment(data: StatsData, latest: RunReport): string {
  const all = data.runs;
  const sum = (pick: (r: RunSummary) => number, earlier: number) => all.reduce((n, r) => n + pick(r), earlier);
  const totals = {
    runs: all.length + (data.earlier?.runs ?? 0),
    calls: sum((r) => r.calls, data.earlier?.calls ?? 0),
    tokens: sum((r) => r.tokens, data.earlier?.tokens ?? 0),
    costUsd: sum((r) => r.costUsd, data.earlier?.costUsd ?? 0),
    durationMs: sum((r) => r.durationMs, data.earlier?.durationMs ?? 0),
  };
  const firstNumber = (data.earlier?.runs ?? 0) + 1;
  const sections = all.map((run, i) => {
    const n = firstNumber + i;
    const title = `#### Run ${n} — ${run.mode === "new" ? "first draft" : "revision"} (${cell(run.trigger)}): ${run.result}${run.commit ? ` at \`${run.commit.slice(0, 7)}\`` : ""}`;
    const agents = run.agents.map((a) => `| ${a.agent} | ${a.calls} | ${tokens(a.tokens)} | ${usd(a.costUsd)} | ${duration(a.latencyMs)} |`).join("\n");
    const checks = run.checks.map((c) => `${cell(c.name)} ${c.status}`).join(", ") || "none";
    return [
      title,
      "",
      `${run.calls} calls · ${tokens(run.tokens)} tokens · ${usd(run.costUsd)} · ${duration(run.durationMs)} · checks: ${checks}${run.draftChange ? ` · PR ${run.draftChange}` : ""}`,
      ...(agents ? ["", "| agent | calls | tokens | cost | model time |", "|---|---:|---:|---:|---:|", agents] : []),
    ].join("\n");
  });
  const encoded = Buffer.from(JSON.stringify(data), "utf8").toString("base64");
  return [
    STATS_MARKER,
    `<!-- codegen-crew:data ${encoded} -->`,
    "## codegen-crew run stats",
    "",
    `Across this PR's life: **${totals.runs} run${totals.runs === 1 ? "" : "s"}**, ${totals.calls} model calls, ${tokens(totals.tokens)} tokens, ${usd(totals.costUsd)}, ${duration(totals.durationMs)}.`,
    "",
    ...sections.flatMap((s) => [s, ""]),
    "<details><summary>Latest run in full</summary>",
    "",
    renderReportMarkdown(latest, { title: "codegen-crew run stats" }),
    "</details>",
  ].join("\n");
}
