import { sandboxSentence } from "./sandbox-note.js";
import type { CheckResult, PhaseRecord, RunReport, RunResult } from "./run-report.js";

/**
 * Renders a run report for people: GitHub-flavoured Markdown for PR comments and job summaries, and a short
 * plain-text summary for terminals. Everything that came from a model, a repository or a command (paths,
 * comments, outputs, titles) is data: it is escaped so it cannot break a table, close a code fence or inject
 * HTML, and control characters are removed so it cannot drive a terminal.
 */
export interface RenderMarkdownOptions {
  /** Replaces the task title in the headline. */
  title?: string;
  /** How many trailing output lines of a failing check to show (default 40). */
  maxOutputLines?: number;
}

const DEFAULT_OUTPUT_LINES = 40;
/** A PR comment holds 65,536 characters; one check's output must not eat them all. */
const MAX_OUTPUT_CHARS = 6000;

const RESULT_BADGES: Record<RunResult, string> = { ready: "✅ Ready", draft: "📝 Draft", failed: "❌ Failed", skipped: "⏭️ Skipped" };
const CHECK_BADGES: Record<CheckResult["status"], string> = { pass: "✅ pass", fail: "❌ fail", skipped: "⏭️ skipped", timeout: "⏱️ timeout" };
const PHASE_BADGES: Record<PhaseRecord["status"], string> = { ok: "✅", failed: "❌", skipped: "⏭️" };

export function renderReportMarkdown(report: RunReport, opts: RenderMarkdownOptions = {}): string {
  const sections = [
    headline(report, opts.title),
    agentsSection(report),
    budgetSection(report),
    checksSection(report, opts.maxOutputLines ?? DEFAULT_OUTPUT_LINES),
    roundsSection(report),
    reviewSection(report),
    filesSection(report),
    refusedSection(report),
    timelineSection(report),
  ];
  return `${sections.filter((s) => s !== "").join("\n\n")}\n`;
}

export function renderReportText(report: RunReport): string {
  const lines = [`codegen-crew: ${report.result.toUpperCase()} - ${plain(report.task.title)}`, `Reason: ${plain(report.reason)}`];
  if (report.stoppedAt) lines.push(`Stopped at: ${plain(report.stoppedAt.phase)}: ${plain(report.stoppedAt.error)}`);
  const repo = report.repository;
  if (repo.branch) lines.push(`Branch: ${plain(repo.branch)}${repo.headCommit ? ` @ ${plain(repo.headCommit.slice(0, 12))}` : ""}`);
  const files = report.files.map((f) => `${plain(f.path)} (${f.status})`);
  lines.push(`Files: ${files.length === 0 ? "none changed" : files.join(", ")}`);
  if (report.refused.length > 0) lines.push(`Refused: ${report.refused.map((r) => plain(r.path)).join(", ")}`);
  const checks = report.checks.map((c) => `${plain(c.name)} ${c.status}${c.status === "pass" || c.exitCode === null ? "" : ` (exit ${c.exitCode})`}`);
  lines.push(`Checks: ${checks.length === 0 ? "none run" : checks.join(", ")}`);
  if (report.review) lines.push(`Review: ${report.review.verdict} (${report.review.comments.length} comment(s))`);
  const t = report.totals;
  lines.push(
    `Totals: ${t.calls} calls, ${tokens(t.promptTokens + t.completionTokens)} tokens ` +
      `(${tokens(t.promptTokens)} prompt / ${tokens(t.completionTokens)} completion / ${tokens(t.cachedTokens)} cached), ` +
      `${t.retries} retries, ${usd(t.costUsd)}, ${duration(report.durationMs)}`,
  );
  return `${lines.join("\n")}\n`;
}

// ---- sections -------------------------------------------------------------------------------------------

function headline(report: RunReport, title: string | undefined): string {
  const lines = [`## ${RESULT_BADGES[report.result]}: ${inline(title ?? report.task.title)}`, "", `**Reason:** ${inline(report.reason)}`];
  if (report.stoppedAt) {
    lines.push("", `> ❌ **Stopped at ${code(report.stoppedAt.phase, false)}:** ${inline(report.stoppedAt.error)}`);
  }
  const facts = [`**Task:** ${inline(report.task.reference ?? report.task.source)}`];
  if (report.repository.branch) facts.push(`**Branch:** ${code(report.repository.branch, false)}`);
  if (report.repository.baseCommit) facts.push(`**Base:** ${code(report.repository.baseCommit.slice(0, 12), false)}`);
  facts.push(`**Duration:** ${duration(report.durationMs)}`);
  lines.push("", facts.join(" · "));
  return lines.join("\n");
}

function agentsSection(report: RunReport): string {
  if (report.agents.length === 0) return "";
  const rows = report.agents.map((a) => [
    cell(a.agent),
    a.models.map(cell).join(", "),
    String(a.calls),
    tokens(a.promptTokens),
    tokens(a.completionTokens),
    tokens(a.cachedTokens),
    String(a.retries),
    usd(a.costUsd),
    duration(a.latencyMs),
  ]);
  const t = report.totals;
  rows.push([
    "**Total**",
    "",
    `**${t.calls}**`,
    `**${tokens(t.promptTokens)}**`,
    `**${tokens(t.completionTokens)}**`,
    `**${tokens(t.cachedTokens)}**`,
    `**${t.retries}**`,
    `**${usd(t.costUsd)}**`,
    `**${duration(t.latencyMs)}**`,
  ]);
  const header = ["Agent", "Model(s)", "Calls", "Prompt tokens", "Completion tokens", "Cached tokens", "Retries", "Cost", "Time"];
  return `### Agents\n\n${table(header, rows, [false, false, true, true, true, true, true, true, true])}`;
}

function budgetSection(report: RunReport): string {
  const { used, limits } = report.budget;
  const rows = [
    ["Tokens", tokens(used.tokens), tokens(limits.tokens), percent(used.tokens, limits.tokens)],
    ["Cost", usd(used.costUsd), usd(limits.costUsd), percent(used.costUsd, limits.costUsd)],
    ["Minutes", used.minutes.toFixed(1), limits.minutes.toFixed(1), percent(used.minutes, limits.minutes)],
  ];
  return `### Budget\n\n${table(["Resource", "Used", "Limit", "Used %"], rows, [false, true, true, true])}`;
}

function checksSection(report: RunReport, maxLines: number): string {
  if (report.checks.length === 0) return "### Checks\n\nNo checks ran.";
  const rows = report.checks.map((c) => [
    cell(c.name),
    c.command ? code(c.command) : "—",
    CHECK_BADGES[c.status],
    c.exitCode === null ? "—" : String(c.exitCode),
    duration(c.durationMs),
  ]);
  const parts = [`### Checks\n\n${table(["Check", "Command", "Status", "Exit code", "Duration"], rows, [false, false, false, true, true])}`];
  const sandbox = sandboxSentence(report.checks);
  if (sandbox) parts.push(sandbox);
  const facts = report.checks.flatMap((c) => [
    ...c.notes.map((note) => `- ${cell(c.name)}: ${inline(note)}`),
    ...(c.preExistingFailures.length
      ? [`- ${cell(c.name)}: already failing on the base commit (not caused by this change): ${c.preExistingFailures.map(inline).join(" · ")}`]
      : []),
  ]);
  if (facts.length) parts.push(`**Notes**\n\n${[...new Set(facts)].join("\n")}`);
  for (const check of report.checks.filter((c) => c.status === "fail" || c.status === "timeout")) parts.push(outputDetails(check, maxLines));
  return parts.join("\n\n");
}

function outputDetails(check: CheckResult, maxLines: number): string {
  const { text, shown, total } = outputTail(check.output, maxLines);
  const summary = `${html(check.name)}: ${check.status}, ${shown === total ? `output (${total} lines)` : `last ${shown} of ${total} output lines`}`;
  const lines = ["<details>", `<summary>${summary}</summary>`, ""];
  if (check.failures.length > 0) lines.push(`**Failures:** ${check.failures.map(inline).join(" · ")}`, "");
  const fence = fenceFor(text);
  lines.push(`${fence}text`, text, fence, "", "</details>");
  return lines.join("\n");
}

function roundsSection(report: RunReport): string {
  if (report.rounds.length === 0) return "";
  const rows = report.rounds.map((r) => [
    r.round === 0 ? "0 (developer)" : `${r.round} (debugger)`,
    checkCounts(r.checks),
    r.review ? `${r.review.verdict === "approve" ? "approve" : "request changes"}${r.review.blocking > 0 ? ` (${r.review.blocking} blocking)` : ""}` : "—",
    r.problems.length > 0 ? r.problems.map(cell).join("<br>") : "none",
    r.changedFiles.length > 0 ? r.changedFiles.map(cell).join("<br>") : "—",
  ]);
  return `### Repair rounds\n\n${table(["Round", "Checks", "Review", "Problems", "Changed files"], rows)}`;
}

function reviewSection(report: RunReport): string {
  if (!report.review) return "";
  const verdict = report.review.verdict === "approve" ? "✅ approve" : "🔁 changes requested";
  const lines = [`### Review\n\n**Verdict:** ${verdict}`];
  if (report.review.comments.length > 0) {
    const rows = report.review.comments.map((c) => [c.severity, cell(c.line === undefined ? c.path : `${c.path}:${c.line}`), cell(c.message)]);
    lines.push(table(["Severity", "Where", "Comment"], rows));
  }
  return lines.join("\n\n");
}

function filesSection(report: RunReport): string {
  if (report.files.length === 0) return "### Files changed\n\nNone.";
  const rows = report.files.map((f) => [cell(f.path), f.status, f.by.join(", ")]);
  return `### Files changed\n\n${table(["Path", "Status", "By"], rows)}`;
}

function refusedSection(report: RunReport): string {
  if (report.refused.length === 0) return "";
  const rows = report.refused.map((r) => [cell(r.path), r.agent, cell(r.reason)]);
  return `### Refused paths\n\n${table(["Path", "Agent", "Reason"], rows)}`;
}

function timelineSection(report: RunReport): string {
  const lines = renderGantt(report.phases);
  if (lines.length === 0) return "";
  const phases = report.phases.map((p) => `${PHASE_BADGES[p.status]} ${inline(p.name)} (${duration(p.durationMs)})`).join(" · ");
  return `### Timeline\n\n\`\`\`mermaid\n${lines.join("\n")}\n\`\`\`\n\n${phases}`;
}

// ---- Mermaid gantt --------------------------------------------------------------------------------------

const GANTT_KEYWORDS =
  /^(gantt|title|section|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|inclusiveenddates|topaxis|click|weekday|weekend|acctitle|accdescr|displaymode)\b/i;

/** The gantt chart's lines (without the fence); empty when there are no phases. */
export function renderGantt(phases: PhaseRecord[]): string[] {
  if (phases.length === 0) return [];
  let previousEnd = 0;
  const timed = phases.map((p) => {
    const parsedStart = Date.parse(p.startedAt);
    const start = Number.isFinite(parsedStart) ? parsedStart : previousEnd;
    const parsedEnd = Date.parse(p.endedAt);
    const end = Number.isFinite(parsedEnd) && parsedEnd >= start ? parsedEnd : start + p.durationMs;
    previousEnd = end;
    return { phase: p, start, end };
  });
  const span = Math.max(...timed.map((t) => t.end)) - Math.min(...timed.map((t) => t.start));
  // A bar narrower than ~0.5 % of the chart is invisible; instant phases still deserve a mark.
  const minimum = span > 0 ? Math.max(1, Math.round(span / 200)) : 1000;
  const lines = ["gantt", "  title Run phases", "  dateFormat x", `  axisFormat ${span >= 3_600_000 ? "%H:%M:%S" : "%M:%S"}`, "  todayMarker off"];
  const stages = new Map<string, typeof timed>();
  for (const t of timed) stages.set(t.phase.phase, [...(stages.get(t.phase.phase) ?? []), t]);
  for (const [stage, tasks] of stages) {
    lines.push(`  section ${mermaidText(stage)}`);
    for (const { phase, start, end } of tasks) {
      lines.push(`  ${mermaidText(phase.name)} :${ganttTag(phase.status)}, ${start}, ${Math.max(end, start + minimum)}`);
    }
  }
  return lines;
}

function ganttTag(status: PhaseRecord["status"]): string {
  if (status === "failed") return "crit";
  return status === "skipped" ? "milestone" : "done";
}

/** Mermaid's gantt lexer splits on `:`, `;`, `#` and `%%` and treats leading keywords as directives. */
export function mermaidText(text: string): string {
  const cleaned = text
    .replace(/[^\p{L}\p{N} _().,/+-]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 60)
    .trim();
  if (cleaned === "") return "phase";
  return GANTT_KEYWORDS.test(cleaned) ? `phase ${cleaned}` : cleaned;
}

// ---- escaping -------------------------------------------------------------------------------------------

/** Text inside a table cell or a paragraph: no HTML, no Markdown syntax, no row or line breaks. */
export function cell(text: string): string {
  return stripControl(text)
    .replace(/[\\`*_[\]~&<>|]/g, (ch) => MARKDOWN_ESCAPES[ch] ?? ch)
    .replace(/\r\n?|\n/g, "<br>");
}
const MARKDOWN_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
for (const ch of "\\`*_[]~|") MARKDOWN_ESCAPES[ch] = `\\${ch}`;

/** Like `cell`, for text outside tables: a line break must not start a heading or a list. */
function inline(text: string): string {
  return cell(text.replace(/\s*(\r\n?|\n)\s*/g, " "));
}

/** Text inside an HTML element (the `<summary>` line). */
function html(text: string): string {
  return stripControl(text)
    .replace(/[\r\n]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/**
 * An inline code span: a delimiter longer than any backtick run inside. In a table cell a pipe must be
 * written `\|` even inside code (GFM splits rows before it parses spans); elsewhere that would show the `\`.
 */
export function code(text: string, inTable = true): string {
  const oneLine = stripControl(text).replace(/[\r\n]+/g, " ");
  const body = inTable ? oneLine.replace(/\|/g, "\\|") : oneLine;
  const ticks = "`".repeat(longestRun(body, "`") + 1);
  const padded = body.startsWith("`") || body.endsWith("`") ? ` ${body} ` : body;
  return `${ticks}${padded}${ticks}`;
}

/** A code fence longer than any backtick run in `text`, so nothing inside can close it. */
export function fenceFor(text: string): string {
  return "`".repeat(Math.max(3, longestRun(text, "`") + 1));
}

function longestRun(text: string, ch: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === ch ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

/** Keeps tabs and newlines, drops ANSI colour codes and other control characters. */
function stripControl(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, "");
}

/** Plain text for terminals: one line, no control characters. */
function plain(text: string): string {
  return stripControl(text).replace(/\s*[\r\n]+\s*/g, " ");
}

function outputTail(output: string, maxLines: number): { text: string; shown: number; total: number } {
  const all = stripControl(output).replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
  let lines = all.slice(-Math.max(1, maxLines));
  while (lines.length > 1 && lines.join("\n").length > MAX_OUTPUT_CHARS) lines = lines.slice(1);
  let text = lines.join("\n");
  if (text.length > MAX_OUTPUT_CHARS) text = `…${text.slice(-MAX_OUTPUT_CHARS)}`;
  return { text, shown: lines.length, total: all.length };
}

// ---- formatting -----------------------------------------------------------------------------------------

function table(header: string[], rows: string[][], numeric: boolean[] = []): string {
  const align = header.map((_, i) => (numeric[i] ? "---:" : "---"));
  return [header, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function checkCounts(checks: CheckResult[]): string {
  if (checks.length === 0) return "—";
  const counts = new Map<string, number>();
  for (const c of checks) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(", ");
}

const TOKEN_FORMAT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
export function tokens(n: number): string {
  return TOKEN_FORMAT.format(n);
}

export function usd(n: number): string {
  return `$${n.toFixed(4)}`;
}

function percent(used: number, limit: number): string {
  return limit > 0 ? `${Math.round((used / limit) * 100)}%` : "—";
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${String(minutes).padStart(2, "0")}m` : `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}
