import { ForgeError, hasWriteAccess, type ForgeClient, type IssueInfo, type PullRequestDetails } from "../forge/forge-client.js";
import { sentAhead } from "../settle.js";
import { issueBranch, type WorkItem } from "../work/work-item.js";
import type { RunResult } from "../report/run-report.js";

/** Whether a work item may start: the issue and PR it is about, or the outcome that ends it here. */
/** How a run that may not start ends: the same result and message a finished run reports. */
export interface AdmissionStop {
  result: RunResult;
  message: string;
}

export type Admission = { admitted: true; issue: IssueInfo; pr: PullRequestDetails | undefined } | { admitted: false; outcome: AdmissionStop };

/**
 * The reads that decide whether a run starts go out together (the issue, the sender's permission, the PR a
 * revision names), but their verdicts keep one order: not found, a PR, locked, closed, then the sender's
 * access, then the PR's branch. So a closed issue stays "closed" whoever asked, and the only write here is
 * the refusal to a sender without write access.
 */
export async function admitWorkItem(forge: ForgeClient, item: WorkItem): Promise<Admission> {
  const n = item.issue;
  const sender = item.trigger.sender;
  const issueRead = sentAhead(
    forge.getIssue(n).catch((error: unknown) => {
      if (error instanceof ForgeError && error.status === 404) return null;
      throw error;
    }),
  );
  const permissionRead = sender ? sentAhead(forge.getPermission(sender)) : undefined;
  const prRead = item.kind === "revision" ? sentAhead(forge.getPullRequest(item.pr)) : undefined;

  const issue = await issueRead;
  if (!issue) return stop({ result: "failed", message: `issue #${n} was not found in ${forge.owner}/${forge.repo}` });
  if (issue.isPullRequest) return stop({ result: "failed", message: `#${n} is a pull request, not an issue; codegen-crew works from issues` });
  if (issue.locked) return stop({ result: "failed", message: `issue #${n} is locked; unlock it to let codegen-crew comment and work on it` });
  if (issue.state === "closed") return stop({ result: "skipped", message: `issue #${n} is closed` });

  if (!permissionRead || !hasWriteAccess(await permissionRead)) {
    await refuse(forge, item, sender);
    return stop({ result: "skipped", message: `${sender ?? "the sender"} lacks write access; no model call was made` });
  }
  const pr = prRead ? await prRead : undefined;
  if (pr && pr.head !== issueBranch(n)) return stop({ result: "skipped", message: `#${pr.number} was not opened by codegen-crew for issue #${n}` });
  return { admitted: true, issue, pr };
}

function stop(outcome: AdmissionStop): Admission {
  return { admitted: false, outcome };
}

async function refuse(forge: ForgeClient, item: WorkItem, sender: string | undefined): Promise<void> {
  const who = sender ? `@${sender}` : "this trigger";
  const where = item.kind === "revision" ? item.pr : item.issue;
  await forge.createComment(where, `${who}: codegen-crew only acts for people with write access to this repository.`);
}
