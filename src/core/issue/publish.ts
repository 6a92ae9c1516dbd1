import { sandboxSentence } from "../report/sandbox-note.js";
import { describeError } from "../errors.js";
import { ForgeError, type ForgeClient, type PullRequestDetails } from "../forge/forge-client.js";
import type { RunReport } from "../report/run-report.js";
import { STATS_MARKER } from "./stats-comment.js";

/** The label on every PR the bot opens. */
export const BOT_LABEL = "codegen-crew";

/**
 * One PR per issue: update the bot's PR for the branch (reopening it when a person closed it), or create
 * it (labelled afterwards by `labelPullRequest`, alongside the run's other writes). `existing` is the PR
 * the run found before the crew, under the run lock; without one the PR is created straight away, with no
 * look-up first: a create that fails is followed by a look for an open PR of the branch, so a PR GitHub
 * created before failing (a 5xx on the way back) is used, and one a person opened meanwhile (a 422) is
 * updated — never a second PR. `base` is the default branch when the caller already read it.
 */
export async function publishPullRequest(
  forge: ForgeClient,
  input: {
    issue: number;
    branch: string;
    report: RunReport;
    runUrl: string | undefined;
    existing: PullRequestDetails | undefined;
    base?: string | undefined;
    log: { warn(message: string): void };
  },
): Promise<PullRequestDetails> {
  const { report, existing } = input;
  const body = pullRequestBody(input.issue, report, input.runUrl, report.pullRequest ? undefined : descriptionOf(existing?.body));
  // A revision that did not rewrite the summary keeps the PR's title (people may have edited it).
  const update = (number: number) =>
    forge.updatePullRequest(number, {
      ...(report.pullRequest?.title ? { title: report.pullRequest.title } : {}),
      body,
      ...(existing?.state === "closed" ? { state: "open" as const } : {}),
    });
  if (existing) return update(existing.number);
  const title = report.pullRequest?.title ?? `codegen-crew: #${input.issue}`;
  try {
    return await forge.createPullRequest({ title, body, head: input.branch, base: input.base ?? (await forge.getDefaultBranch()), draft: report.result !== "ready" });
  } catch (error) {
    const found = await forge.findOpenPullRequest(input.branch);
    if (!found) throw error;
    if (error instanceof ForgeError && error.status === 422) return update(found.number);
    input.log.warn(`creating the PR reported an error (${describeError(error)}) but the PR exists: using #${found.number}`);
    return found;
  }
}

/** The bot's label on its PR (not sent when the PR has it); a PR without it is still a PR, so a failure is only a warning. */
export async function labelPullRequest(forge: ForgeClient, pr: { number: number; labels: string[] }, log: { warn(message: string): void }): Promise<void> {
  if (pr.labels.includes(BOT_LABEL)) return;
  await forge.addLabels(pr.number, [BOT_LABEL]).catch((error: unknown) => log.warn(`could not label #${pr.number}: ${describeError(error)}`));
}

/**
 * Writes the PR's stats comment: edits `known` (the one the run read before the crew, under the run lock,
 * so no other run wrote one since), or adds it — no listing of the PR's comments first. One a person
 * deleted meanwhile (404) is added again. A PR without stats is still a PR: a failure is only a warning.
 */
export async function writeStatsComment(forge: ForgeClient, pr: number, known: { id: number } | undefined, body: string, log: { warn(message: string): void }): Promise<void> {
  try {
    if (known) {
      const edited = await forge.updateComment(known.id, body).then(
        () => true,
        (error: unknown) => {
          if (error instanceof ForgeError && error.status === 404) return false;
          throw error;
        },
      );
      if (edited) return;
    }
    await forge.createComment(pr, body);
  } catch (error) {
    log.warn(`could not write the stats comment on #${pr}: ${describeError(error)}`);
  }
}

/** The bot's stats comment on a PR, if it has one. */
export async function findStatsComment(forge: ForgeClient, pr: number): Promise<{ id: number; body: string } | undefined> {
  return (await forge.listIssueComments(pr)).find((c) => c.body.includes(STATS_MARKER));
}

/** Where the PR's description ends and the bot's generated part (links, validation table) begins. */
const GENERATED_MARKER = "<!-- codegen-crew:generated -->";

/** The description part of a PR body the bot wrote (people may have edited it), to keep when it is not rewritten. */
function descriptionOf(body: string | undefined): string | undefined {
  if (!body) return undefined;
  const at = body.indexOf(GENERATED_MARKER);
  return at >= 0 ? body.slice(0, at).trimEnd() : undefined;
}

export function pullRequestBody(issue: number, report: RunReport, runUrl: string | undefined, keptDescription?: string): string {
  const checks = report.checks.length
    ? report.checks.map((c) => `| ${c.name} | ${c.command ? `\`${c.command.replace(/[|`]/g, " ")}\`` : ""} | ${c.status} |`).join("\n")
    : "| – | – | no checks ran |";
  const draftNote = report.result === "ready" ? "" : `\n> [!WARNING]\n> This is a draft: ${report.reason}.\n`;
  return [
    report.pullRequest?.body ?? keptDescription ?? "",
    GENERATED_MARKER,
    draftNote,
    `Closes #${issue}`,
    "",
    "### Validation",
    `| check | command | result |`,
    "|---|---|---|",
    checks,
    ...(sandboxSentence(report.checks) ? ["", sandboxSentence(report.checks)!] : []),
    "",
    `Generated by codegen-crew${runUrl ? ` in [this workflow run](${runUrl})` : ""}; the run stats are in a comment below. Comment \`/codegen help\` to see how to ask for changes.`,
    "",
    "<sub>Pull requests opened with the default `GITHUB_TOKEN` do not trigger this repository's workflows. To run CI on this PR, pass a GitHub App token (actions/create-github-app-token) as `github-token`, or close and reopen the PR.</sub>",
  ].join("\n");
}
