import type { ArchitectAnswer } from "../roles/architect.js";
import type { CheckResult, ReviewComment } from "../report/run-report.js";

/**
 * Text blocks the crew puts into prompts. Everything here is built from structured, validated data —
 * never from another agent's raw reply or from an error message.
 */

/** A fence longer than any backtick run inside, so file content cannot close it early. */
export function fenced(content: string, info = ""): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${content}${content.endsWith("\n") ? "" : "\n"}${fence}`;
}

export function renderPlan(plan: ArchitectAnswer): string {
  const files = plan.files.map((f) => `- ${f.action} \`${f.path}\`: ${f.purpose}`).join("\n");
  const steps = plan.steps.map((s, i) => `${i + 1}. ${s}`).join("\n");
  return `## The architect's plan\n${plan.summary}\n\nSteps:\n${steps}\n\nFiles:\n${files || "(none named)"}\n\nTest plan: ${plan.test_plan}`;
}

export interface FileView {
  path: string;
  content: string | null;
}

export function renderFiles(heading: string, files: FileView[], opts: { lineNumbers?: boolean; maxCharsPerFile?: number } = {}): string {
  if (files.length === 0) return `## ${heading}\n(none)`;
  const max = opts.maxCharsPerFile ?? 40_000;
  const blocks = files.map((file) => {
    if (file.content === null) return `### ${file.path}\n(deleted)`;
    let content = file.content.length > max ? `${file.content.slice(0, max)}\n[… ${file.content.length - max} characters omitted …]\n` : file.content;
    if (opts.lineNumbers) {
      content = content
        .split("\n")
        .map((line, i) => `${String(i + 1).padStart(4)}| ${line}`)
        .join("\n");
    }
    return `### ${file.path}\n${fenced(content)}`;
  });
  return `## ${heading}\n${blocks.join("\n\n")}`;
}

/**
 * The plan and the files it is about, rendered the same way for every agent that works on them (developer,
 * tester, documenter, debugger), so that their prompts share this block as a prefix a provider can cache: the
 * developer sees the files before the change, the others the change as it stands.
 */
export function renderChangeMaterial(plan: ArchitectAnswer, files: FileView[]): string {
  return `${renderPlan(plan)}\n\n${renderFiles("The files of the change, as they stand", files)}`;
}

const OUTPUT_LINES_FOR_DEBUGGER = 40;

/** What failed, summarised for the debugger: the command, failing tests, locations, and the end of the output. */
export function renderProblems(checks: CheckResult[], blocking: ReviewComment[], refused: { path: string; reason: string }[]): string {
  const parts: string[] = [];
  for (const check of checks.filter((c) => c.status === "fail" || c.status === "timeout")) {
    const head = `### Check "${check.name}" ${check.status === "timeout" ? "timed out" : "failed"}${check.exitCode !== null ? ` (exit ${check.exitCode})` : ""}${check.command ? `: \`${check.command}\`` : ""}`;
    const failures = check.failures.length ? `Failing:\n${check.failures.map((f) => `- ${f}`).join("\n")}` : "";
    const tail = check.output.split("\n").slice(-OUTPUT_LINES_FOR_DEBUGGER).join("\n");
    parts.push([head, failures, `Output (last lines):\n${fenced(tail)}`].filter(Boolean).join("\n"));
  }
  if (blocking.length) {
    parts.push(`### Blocking review comments\n${blocking.map((c) => `- ${c.path}${c.line ? `:${c.line}` : ""} [${c.severity}] ${c.message}`).join("\n")}`);
  }
  if (refused.length) {
    parts.push(`### Changes that were refused (not written)\n${refused.map((r) => `- ${r.path}: ${r.reason}`).join("\n")}`);
  }
  return `## Problems to fix\n${parts.join("\n\n")}`;
}

export function renderCheckStatus(checks: CheckResult[]): string {
  if (checks.length === 0) return "No checks ran.";
  return checks.map((c) => `- ${c.name}${c.command ? ` (\`${c.command}\`)` : ""}: ${c.status}`).join("\n");
}
