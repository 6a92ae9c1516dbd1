import type { ArchitectAnswer } from "../roles/architect.js";
import { roles } from "../roles/index.js";
import type { CrewRun } from "./crew-run.js";
import { renderChangeMaterial } from "./prompt-text.js";

export interface DocumenterInput {
  plan: ArchitectAnswer;
  context: string;
  signal: AbortSignal;
}

/**
 * The documenter documents round 0's change while the tester and the reviewer work on it, so it is not a
 * link of its own in the chain of model calls. Its edits (docstrings included) are part of what round 0's
 * checks run on; the repair loop's debugger sees the docs with the rest of the change and keeps them true
 * when it changes the code they describe. Returns the files it wrote.
 */
export async function runDocumenter(run: CrewRun, input: DocumenterInput): Promise<string[]> {
  const answer = await run.ask(roles.documenter, {
    phase: "documenter",
    round: 0,
    context: input.context,
    material: renderChangeMaterial(input.plan, await run.changedFileViews()),
    input: "Document the change.",
    signal: input.signal,
  });
  return run.writeAndCommit("documenter", answer);
}
