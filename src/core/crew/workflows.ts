import type { CrewRun } from "./crew-run.js";
import type { CrewNode } from "./crew-outputs.js";
import { phases } from "./phases.js";
import { revisionPhases, type RevisionRequest } from "./revision.js";

/**
 * Workflows are assembled from phase factories. The new-issue workflow plans and writes a change from
 * scratch; the revision workflow starts from the change on the branch and revises it on request.
 */
export type CrewWorkflow = { kind: "new" } | { kind: "revision"; request: RevisionRequest };

export function newIssueWorkflow(run: CrewRun): CrewNode[] {
  return [
    phases.intake(run),
    phases.context(run),
    phases.prepare(run),
    phases.architect(run),
    phases.developer(run),
    phases.tester(run),
    phases.reviewer(run),
    phases.staticChecks(),
    phases.tests(),
    phases.repair(run),
    phases.documenter(run),
    phases.summarizer(run),
  ];
}

export function revisionWorkflow(run: CrewRun, request: RevisionRequest): CrewNode[] {
  return [
    phases.intake(run),
    phases.context(run),
    phases.prepare(run),
    revisionPhases.plan(run, request),
    revisionPhases.revise(run, request),
    phases.tester(run),
    phases.reviewer(run),
    phases.staticChecks(),
    phases.tests(),
    phases.repair(run),
    phases.documenter(run),
    phases.summarizer(run, { skipWhenUnchanged: true }),
  ];
}

export function buildWorkflow(run: CrewRun, workflow: CrewWorkflow): CrewNode[] {
  return workflow.kind === "new" ? newIssueWorkflow(run) : revisionWorkflow(run, workflow.request);
}
