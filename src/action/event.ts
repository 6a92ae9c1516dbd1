import { readFile } from "node:fs/promises";
import { ConfigError } from "../core/errors.js";
import { parseIssueNumber, type ActionInputs } from "./inputs.js";

export type EventDecision = { run: true; issueNumber: number; sender: string | undefined } | { run: false; reason: string };

interface EventPayload {
  action?: string;
  label?: { name?: string };
  issue?: { number?: number };
  sender?: { login?: string };
  inputs?: Record<string, unknown>;
}

/** Turns the triggering event into "run on issue N for sender S", or a reason to skip without any write. */
export async function decideFromEvent(inputs: ActionInputs): Promise<EventDecision> {
  let payload: EventPayload;
  try {
    payload = JSON.parse(await readFile(inputs.eventPath, "utf8")) as EventPayload;
  } catch (error) {
    throw new ConfigError(`cannot read the event payload at GITHUB_EVENT_PATH (${inputs.eventPath}): ${(error as Error).message}`, { key: "GITHUB_EVENT_PATH" });
  }
  const sender = payload.sender?.login ?? inputs.actor;
  if (inputs.eventName === "issues") {
    if (payload.action !== "labeled") return { run: false, reason: `issues event "${payload.action}" is not "labeled"` };
    if (payload.label?.name !== inputs.label) return { run: false, reason: `label "${payload.label?.name}" is not the trigger label "${inputs.label}"` };
    if (typeof payload.issue?.number !== "number") throw new ConfigError("the issues event has no issue number", { key: "GITHUB_EVENT_PATH" });
    return { run: true, issueNumber: payload.issue.number, sender };
  }
  if (inputs.eventName === "workflow_dispatch") {
    const fromEvent = payload.inputs?.["issue-number"];
    if (inputs.issueNumber !== undefined) return { run: true, issueNumber: inputs.issueNumber, sender };
    if (fromEvent !== undefined && fromEvent !== "") return { run: true, issueNumber: parseIssueNumber(String(fromEvent), 'workflow input "issue-number"'), sender };
    throw new ConfigError('workflow_dispatch needs an issue: set the "issue-number" input', { key: "issue-number" });
  }
  if (inputs.issueNumber !== undefined) return { run: true, issueNumber: inputs.issueNumber, sender };
  return { run: false, reason: `event "${inputs.eventName}" does not trigger codegen-crew (use issues: labeled or workflow_dispatch)` };
}
