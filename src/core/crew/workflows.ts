import type { CrewRun } from "./crew-run.js";
import type { CrewNode } from "./crew-outputs.js";
import { phases } from "./phases.js";
import { revisionPhases, type RevisionRequest } from "./revision.js";

/**
 * Workflows are assembled from phase factories. The new-issue workflow plans and writes a change from
 * scratch; the revision workflow starts from the change on the branch and revises it on request.
 */
export type CrewWorkflow = { kind: "new" } | { kind: "revision"; request: RevisionRequest };

/** The phases every workflow shares, around the two that author the change: the plan and the draft of the change. */
function workflowAround(run: CrewRun, authoring: { plan: CrewNode; draft: CrewNode; author: "developer" | "debugger"; summary: { skipWhenUnchanged?: boolean } }): CrewNode[] {
  return [
    phases.intake(run),
    phases.context(run),
    phases.prepare(run),
    authoring.plan,
    authoring.draft,
    phases.change(run, authoring.author),
    phases.tester(run),
    phases.reviewer(run),
    phases.staticChecks(),
    phases.tests(),
    phases.repair(run),
    phases.documenter(run),
    phases.summarizer(run, authoring.summary),
  ];
}

export function newIssueWorkflow(run: CrewRun): CrewNode[] {
  return workflowAround(run, { plan: phases.architect(run), draft: phases.developer(run), author: "developer", summary: {} });
}

export function revisionWorkflow(run: CrewRun, request: RevisionRequest): CrewNode[] {
  return workflowAround(run, { plan: revisionPhases.plan(run, request), draft: revisionPhases.revise(run, request), author: "debugger", summary: { skipWhenUnchanged: true } });
}

export function buildWorkflow(run: CrewRun, workflow: CrewWorkflow): CrewNode[] {
  return workflow.kind === "new" ? newIssueWorkflow(run) : revisionWorkflow(run, workflow.request);
}
