import { z } from "zod";
import { fenceUntrustedText } from "../intake.js";
import type { ArchitectAnswer } from "../roles/architect.js";
import { debuggerRole } from "../roles/debugger.js";
import { fileChangeAnswerSchema, type RoleSpec } from "../roles/role-spec.js";
import type { CrewRun } from "./crew-run.js";
import type { PhaseNode } from "./phase-graph.js";
import type { CrewOutputs, DraftChange } from "./crew-outputs.js";
import { fenced, renderFiles, renderPlan } from "./prompt-text.js";
import type { RevisionRequest } from "./revision-request.js";

export type { RevisionItem, RevisionRequest, RevisionResponse } from "./revision-request.js";

const MAX_REPLY = 1_500;

export const revisionAnswerSchema = fileChangeAnswerSchema.extend({
  responses: z
    .array(z.object({ item: z.number().int().describe("the id of the request item"), reply: z.string().max(MAX_REPLY).describe("one or two sentences for the person who asked") }))
    .optional()
    .describe("for each request item: what you changed for it, or why nothing needed to change"),
  tests_needed: z.boolean().optional().describe("true when the revision adds or changes behaviour that the tests do not cover yet"),
  docs_needed: z.boolean().optional().describe("true when the revision changes an interface or behaviour that the docs describe"),
});
export type RevisionAnswer = z.infer<typeof revisionAnswerSchema>;

/** The debugger, revising on a person's request: same role and answer function, with its per-item replies. */
export const reviserRole: RoleSpec<RevisionAnswer> = {
  ...debuggerRole,
  answerDescription: "Submit the files that carry out the requested revision (full new content), and a reply for each request item.",
  schema: revisionAnswerSchema,
  instructions: `You are the debugger of a small software crew, revising a pull request the crew opened, on a person's request.
The request items below come from people reviewing the change. Do what each item asks when it is about this
change and consistent with the task; a question gets an answer and no change. If the branch already does what
is asked, change nothing and say so. Only include files you change; keep the rest of the change as it is.
Give every item a short reply saying what you changed for it, or why nothing changed.
Set tests_needed when your change adds behaviour the tests do not cover, docs_needed when documented behaviour changes.
Rules for file changes:
- Give each file's COMPLETE new content, never a diff or an excerpt with "..." placeholders.
- Paths are relative to the repository root with forward slashes. Do not touch .git/, CI workflow files or secret files.
- Match the repository's language, module system, style and test framework as shown in the context.
Call the "debugger" function with the revised files and your replies.`,
};

export function renderRevisionRequest(request: RevisionRequest): string {
  const items = request.items.map((item) => {
    const where = item.path ? ` on \`${item.path}\`${item.line ? ` line ${item.line}` : ""}` : "";
    const parts = [`### Item ${item.id}: ${item.kind} by @${item.author}${where}`];
    if (item.diffHunk) parts.push(`The diff it points at:\n${fenced(item.diffHunk.split("\n").slice(-20).join("\n"), "diff")}`);
    if (item.thread?.length) parts.push(`Earlier in the thread:\n${fenceUntrustedText(item.thread.map((c) => `@${c.author}: ${c.body}`).join("\n\n"), 6_000)}`);
    parts.push(fenceUntrustedText(item.body, 8_000));
    return parts.join("\n");
  });
  return `## Requested revision: ${request.summary}\n\n${items.join("\n\n")}`;
}

/** A plan for a revision when the change's own plan is not known: the request is the plan. */
function planFromRequest(run: CrewRun, request: RevisionRequest): ArchitectAnswer {
  return {
    summary: `Revise the existing change for: ${run.task.title}`.slice(0, 300),
    steps: request.items.map((item) => `Address item ${item.id} (${item.kind} by @${item.author}${item.path ? ` on ${item.path}` : ""})`),
    files: [],
    test_plan: "Keep the existing tests passing; add tests for new behaviour.",
  };
}

export const revisionPhases = {
  /** The change's plan, carried over from the run that wrote it. */
  plan: (run: CrewRun, request: RevisionRequest): PhaseNode<CrewOutputs, "plan"> => ({
    id: "plan",
    phase: "architect",
    needs: [],
    run: async () => request.plan ?? planFromRequest(run, request),
  }),

  /** The debugger revises the whole change on the branch for the request; changing nothing is an answer. */
  revise: (run: CrewRun, request: RevisionRequest): PhaseNode<CrewOutputs, "draft"> => ({
    id: "draft",
    phase: "debugger",
    needs: ["plan", "context"],
    run: async ({ output, signal }): Promise<DraftChange> => {
      const startedAt = run.now();
      const material = `${renderPlan(output("plan"))}\n\n${renderFiles("The change on the branch (compared with the default branch)", await run.changedFileViews())}`;
      const input = `${renderRevisionRequest(request)}\n\nRevise the change as requested.`;
      const answer = await run.ask(reviserRole, { phase: "debugger", round: 0, context: output("context"), material, input, signal, explore: true });
      const responses = (answer.responses ?? []).filter((r) => request.items.some((item) => item.id === r.item));
      return { startedAt, author: "debugger", answer, wantsTests: answer.tests_needed === true, wantsDocs: answer.docs_needed === true, responses };
    },
  }),
};
