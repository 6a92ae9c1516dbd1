import { readFile } from "node:fs/promises";
import { ConfigError } from "../core/errors.js";
import { helpText } from "../core/work/commands.js";
import { toTriggerEvent, withHeadRef } from "../core/work/trigger-event.js";
import { decideTrigger, type TriggerDecision } from "../core/work/triggers.js";
import type { WorkItem } from "../core/work/work-item.js";
import { parseIssueNumber, type ActionInputs } from "./inputs.js";

/**
 * What this workflow run does: run a work item, answer a command with one comment (help, and stop, which an
 * Action cannot carry out), or skip without any write.
 */
export type EventDecision = { action: "run"; item: WorkItem } | { action: "reply"; issue: number; body: string; reason: string } | { action: "skip"; reason: string };

/** Reads what the event payload does not say (an issue_comment's PR head branch) through the API. */
export interface EventLookups {
  pullRequestHead(pr: number): Promise<string>;
}

/** Turns the triggering event into a decision, through the trigger rules the app shares. */
export async function decideFromEvent(inputs: ActionInputs, lookups: EventLookups): Promise<EventDecision> {
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(inputs.eventPath, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read the event payload at GITHUB_EVENT_PATH (${inputs.eventPath}): ${(error as Error).message}`, { key: "GITHUB_EVENT_PATH" });
  }
  // The `issue-number` input names the issue for any event that has none of its own (a dispatch, a schedule).
  if (inputs.eventName === "workflow_dispatch" || (inputs.issueNumber !== undefined && !["issues", "issue_comment", "pull_request_review"].includes(inputs.eventName))) {
    const issue = dispatchIssue(inputs, payload);
    return { action: "run", item: { kind: "issue", issue, trigger: { type: "dispatch", sender: senderOf(payload) ?? inputs.actor } } };
  }
  let event = toTriggerEvent(inputs.eventName, payload);
  let decision = decideTrigger(event, { label: inputs.label });
  if (decision.action === "needs-head") {
    event = withHeadRef(event, await lookups.pullRequestHead(decision.pr));
    decision = decideTrigger(event, { label: inputs.label });
  }
  return fromTrigger(decision);
}

function fromTrigger(decision: TriggerDecision): EventDecision {
  switch (decision.action) {
    case "run":
      return decision;
    case "help":
      return { action: "reply", issue: decision.reply.number, body: helpText(), reason: `@${decision.reply.sender} asked for the command list` };
    case "stop":
      return { action: "reply", issue: decision.reply.number, body: STOP_IN_ACTION, reason: `@${decision.reply.sender} asked to stop; a workflow run cannot cancel another one` };
    case "needs-head":
      throw new Error(`the pull request #${decision.pr} head branch was read and still not known`);
    case "ignore":
      return { action: "skip", reason: decision.reason };
  }
}

/** A workflow run cannot stop another one: the reply says how a person can. */
export const STOP_IN_ACTION = [
  "codegen-crew runs as a GitHub Actions workflow here, and one workflow run cannot cancel another.",
  "To stop the run in progress, cancel it from the repository's **Actions** tab (or `gh run cancel <run-id>`); removing the trigger label keeps it from starting again.",
].join(" ");

function dispatchIssue(inputs: ActionInputs, payload: unknown): number {
  if (inputs.issueNumber !== undefined) return inputs.issueNumber;
  const fromEvent = (payload as { inputs?: Record<string, unknown> } | null)?.inputs?.["issue-number"];
  if (fromEvent !== undefined && fromEvent !== "") return parseIssueNumber(String(fromEvent), 'workflow input "issue-number"');
  throw new ConfigError('workflow_dispatch needs an issue: set the "issue-number" input', { key: "issue-number" });
}

function senderOf(payload: unknown): string | undefined {
  const login = (payload as { sender?: { login?: unknown } } | null)?.sender?.login;
  return typeof login === "string" ? login : undefined;
}
