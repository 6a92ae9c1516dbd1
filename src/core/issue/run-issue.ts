import { runWorkItem, type WorkItemDeps, type WorkRunOutcome } from "./run-work-item.js";

/** An issue run as the entry points started it before work items: a label (or dispatch) on issue N. */
export interface IssueRunRequest {
  issueNumber: number;
  sender: string | undefined;
  runUrl?: string;
  configPath?: string;
}

export type IssueRunDeps = WorkItemDeps & {
  /** 0 = the app (its queue runs one job per issue, so a lock left by an earlier job of the app is stale). */
  staleAfterMs?: number;
};

export type IssueRunOutcome = WorkRunOutcome;

/** A label-triggered run on an issue: see runWorkItem. */
export function runIssue(request: IssueRunRequest, deps: IssueRunDeps): Promise<IssueRunOutcome> {
  const app = deps.staleAfterMs === 0;
  return runWorkItem(
    {
      item: { kind: "issue", issue: request.issueNumber, trigger: { type: "label", sender: request.sender } },
      holder: { run: request.runUrl ? `workflow run ${request.runUrl}` : app ? "an app job" : "a codegen-crew run", owner: app ? "app" : "action" },
      ...(request.runUrl ? { runUrl: request.runUrl } : {}),
      ...(request.configPath ? { configPath: request.configPath } : {}),
    },
    { ...deps, ...(app ? { mayTakeOverLock: (holder) => holder.owner === "app" } : {}) },
  );
}
