import type { Actor, PullRequestFacts, TriggerEvent } from "./triggers.js";

/**
 * GitHub's webhook payload (the Action reads it from GITHUB_EVENT_PATH, the app gets it from Probot) as the
 * few facts the trigger decision reads. Fields are read defensively: a payload is input from outside, and a
 * missing field makes the event "other" instead of a crash.
 */
type Json = Record<string, unknown>;

export function toTriggerEvent(name: string, payload: unknown, dispatchIssue?: number): TriggerEvent {
  const data = record(payload);
  const action = text(data.action);
  const sender = actor(data.sender);
  const issue = record(data.issue);
  switch (name) {
    case "issues":
      if (!sender || typeof issue.number !== "number") break;
      return { name, action: action ?? "", issue: { number: issue.number, state: openState(issue.state) }, label: text(record(data.label).name), sender };
    case "workflow_dispatch": {
      const fromInputs = record(data.inputs)["issue-number"];
      const issueNumber = dispatchIssue ?? (fromInputs === undefined || fromInputs === "" ? undefined : positiveInteger(fromInputs));
      return { name, issueNumber, sender: sender ?? { login: "" } };
    }
    case "pull_request_review": {
      const review = record(data.review);
      const reviewer = actor(review.user);
      const pullRequest = pullRequestFacts(record(data.pull_request), text(record(record(data.pull_request).head).ref));
      if (!sender || !reviewer || typeof review.id !== "number" || !pullRequest) break;
      const url = text(review.html_url) ?? "";
      return { name, action: action ?? "", review: { id: review.id, state: text(review.state) ?? "", body: text(review.body) ?? "", url, user: reviewer }, pullRequest, sender };
    }
    case "issue_comment": {
      const comment = record(data.comment);
      const author = actor(comment.user);
      if (!sender || !author || typeof comment.id !== "number" || typeof issue.number !== "number") break;
      // An issue_comment on a pull request names it by `issue.pull_request`, without its branches.
      const pullRequest = issue.pull_request ? pullRequestFacts(issue, undefined) : undefined;
      return {
        name,
        action: action ?? "",
        comment: { id: comment.id, body: text(comment.body) ?? "", url: text(comment.html_url) ?? "", user: author },
        issue: { number: issue.number, state: openState(issue.state) },
        pullRequest,
        sender,
      };
    }
  }
  return { name: "other", event: name, action };
}

/** The same event with the pull request's head branch, read through the API after a "needs-head" decision. */
export function withHeadRef(event: TriggerEvent, headRef: string): TriggerEvent {
  if (event.name !== "issue_comment" || !event.pullRequest) return event;
  return { ...event, pullRequest: { ...event.pullRequest, headRef } };
}

function pullRequestFacts(data: Json, headRef: string | undefined): PullRequestFacts | undefined {
  if (typeof data.number !== "number") return undefined;
  return { number: data.number, headRef, state: openState(data.state) };
}

function actor(value: unknown): Actor | undefined {
  const data = record(value);
  const login = text(data.login);
  return login ? { login, type: text(data.type) } : undefined;
}

function openState(value: unknown): "open" | "closed" {
  return value === "closed" ? "closed" : "open";
}

function positiveInteger(value: unknown): number | undefined {
  const number = Number(String(value).trim().replace(/^#/, ""));
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function record(value: unknown): Json {
  return value !== null && typeof value === "object" ? (value as Json) : {};
}
