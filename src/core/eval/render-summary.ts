import type { EvalSummary, TaskResult } from "./results-schema.js";
import { median } from "./summary.js";

/**
 * summary.md: the headline (resolved rate with its interval), the crew's agreement with the hidden
 * tests, totals and medians, one chart of cost against outcome, and a table of every task.
 */
export function renderSummaryMarkdown(summary: EvalSummary, results: readonly TaskResult[]): string {
  const parts = [`# codegen-crew eval: ${escapeCell(summary.suite)}`, headline(summary), agreementSection(summary), usageSection(summary), costChart(results), taskTable(results)];
  return `${parts.filter(Boolean).join("\n\n")}\n`;
}

function headline(s: EvalSummary): string {
  const rate = s.resolved_rate === null ? "no task was graded" : `**${s.resolved} of ${s.graded} resolved (${percent(s.resolved_rate)})**`;
  const interval = s.resolved_interval_95 ? `, 95 % interval ${percent(s.resolved_interval_95[0])}–${percent(s.resolved_interval_95[1])} (Wilson)` : "";
  const lines = [
    `${rate}${interval}.`,
    "",
    `- Model: ${s.model ? `\`${s.model}\`` : "per the repository config"}; ${s.tasks} tasks, ${s.started_at} to ${s.ended_at}.`,
    `- Resolved ${s.resolved}, partial ${s.partial}, unresolved ${s.unresolved}, error ${s.errors}${s.errors ? " (errors could not run and are not counted in the rate)" : ""}.`,
  ];
  return lines.join("\n");
}

function agreementSection(s: EvalSummary): string {
  const a = s.agreement;
  return [
    "## Did the crew know?",
    "",
    `The crew called ${a.ready_and_resolved + a.ready_not_resolved} tasks ready; the hidden tests resolved ${a.ready_and_resolved} of them${a.ready_precision === null ? "" : ` (${percent(a.ready_precision)})`}. Its verdict agreed with the hidden tests on ${a.rate === null ? "no" : percent(a.rate)} of graded tasks.`,
    "",
    "| | resolved | not resolved |",
    "|---|---|---|",
    `| crew said ready | ${a.ready_and_resolved} | ${a.ready_not_resolved} |`,
    `| crew said draft or failed | ${a.not_ready_resolved} | ${a.not_ready_not_resolved} |`,
  ].join("\n");
}

function usageSection(s: EvalSummary): string {
  return [
    "## Tokens, cost and time",
    "",
    "| | total | median per task |",
    "|---|---|---|",
    `| prompt tokens | ${s.prompt_tokens.total.toLocaleString("en-US")} | ${Math.round(s.prompt_tokens.median).toLocaleString("en-US")} |`,
    `| completion tokens | ${s.completion_tokens.total.toLocaleString("en-US")} | ${Math.round(s.completion_tokens.median).toLocaleString("en-US")} |`,
    `| cost (USD) | ${s.cost_usd.total.toFixed(4)} | ${s.cost_usd.median.toFixed(4)} |`,
    `| wall time (s) | ${s.wall_seconds.total.toFixed(1)} | ${s.wall_seconds.median.toFixed(1)} |`,
  ].join("\n");
}

const OUTCOMES = ["resolved", "partial", "unresolved", "error"] as const;

/** Median cost per outcome as a Mermaid bar chart (GitHub renders it), with the numbers beside it. */
function costChart(results: readonly TaskResult[]): string {
  const present = OUTCOMES.filter((status) => results.some((r) => r.status === status));
  if (present.length === 0) return "";
  const medians = present.map((status) => median(results.filter((r) => r.status === status).map((r) => r.cost_usd)));
  const top = Math.max(...medians, 0.0001);
  return [
    "## Cost against outcome",
    "",
    "```mermaid",
    "xychart-beta",
    '  title "Median cost per task (USD) by outcome"',
    `  x-axis [${present.map((status) => `"${status} (${results.filter((r) => r.status === status).length})"`).join(", ")}]`,
    `  y-axis "USD" 0 --> ${Number((top * 1.2).toPrecision(3))}`,
    `  bar [${medians.map((value) => Number(value.toPrecision(4))).join(", ")}]`,
    "```",
  ].join("\n");
}

function taskTable(results: readonly TaskResult[]): string {
  const rows = results.map((r) => {
    const tests = `${r.fail_to_pass.passed.length}/${r.fail_to_pass.passed.length + r.fail_to_pass.failed.length + r.fail_to_pass.missing.length}`;
    const kept = `${r.pass_to_pass.passed.length}/${r.pass_to_pass.passed.length + r.pass_to_pass.failed.length + r.pass_to_pass.missing.length}`;
    const note = r.error ? escapeCell(r.error.split("\n")[0]!.slice(0, 140)) : "";
    return `| ${escapeCell(r.instance_id)} | ${r.status} | ${r.result ?? "–"} | ${tests} | ${kept} | ${r.repair_rounds} | ${(r.prompt_tokens + r.completion_tokens).toLocaleString("en-US")} | ${r.cost_usd.toFixed(4)} | ${r.wall_seconds.toFixed(1)} | ${note} |`;
  });
  return [
    "## Tasks",
    "",
    "| task | status | crew | FAIL_TO_PASS passing | PASS_TO_PASS passing | repair rounds | tokens | cost (USD) | seconds | note |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}
