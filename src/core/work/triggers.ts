import { parseCommand } from "./commands.js";
import { issueOfBranch, type Trigger, type WorkItem } from "./work-item.js";

/**
 * Which GitHub events make codegen-crew act, in one pure function the Action and the app share. It decides
 * from the event alone: whether the sender may act needs the API and is checked by the runner (and, for
 * `stop`, by the entry point before it cancels).
 *
 * A `commented` review with an empty body may still carry inline comments, which its payload does not show.
 * It is a "run": the runner reads the review's comments and starts nothing when there are none. Inline comments
 * (`pull_request_review_comment`) are never triggers on their own: each arrives with its review, so one review
 * is one run, not one run per comment.
 */
export interface Actor {
  login: string;
  /** "User", "Bot" or "Organization", as GitHub sends it. */
  type?: string | undefined;
}

/** What the decision needs to know about a pull request. */
export interface PullRequestFacts {
  number: number;
  /** The head branch; undefined when the event does not carry it (issue_comment on a PR). */
  headRef: string | undefined;
  state: "open" | "closed";
}

export type TriggerEvent =
  | { name: "issues"; action: string; issue: { number: number; state: "open" | "closed" }; label: string | undefined; sender: Actor }
  | { name: "workflow_dispatch"; issueNumber: number | undefined; sender: Actor }
  | {
      name: "pull_request_review";
      action: string;
      review: { id: number; state: string; body: string; url: string; user: Actor };
      pullRequest: PullRequestFacts;
      sender: Actor;
    }
  | {
      name: "issue_comment";
      action: string;
      comment: { id: number; body: string; url: string; user: Actor };
      issue: { number: number; state: "open" | "closed" };
      /** Set when the comment is on a pull request. */
      pullRequest: PullRequestFacts | undefined;
      sender: Actor;
    }
  | { name: "other"; event: string; action: string | undefined };

export interface TriggerSettings {
  /** The trigger label (the Action's `label` input, the repository config's `label` in the app). */
  label: string;
}

/** Where a reply goes: the issue or PR the trigger came from, and the comment to react to. */
export interface ReplyTarget {
  /** Issue or PR number to comment on. */
  number: number;
  commentId: number;
  sender: string;
}

export type TriggerDecision =
  | { action: "run"; item: WorkItem }
  /** `/codegen stop`: cancel the run for `issue` (and its PR); the entry point checks the sender's write access first. */
  | { action: "stop"; issue: number; pr: number | undefined; reply: ReplyTarget }
  /** The entry point replies with `helpText()` (commands.ts). */
  | { action: "help"; reply: ReplyTarget }
  /**
   * An issue_comment's payload does not name the PR's head branch: the entry point reads the PR and decides
   * again with `headRef` filled in. Asked only for a command by a person, so unrelated comments cost no call.
   */
  | { action: "needs-head"; pr: number }
  | { action: "ignore"; reason: string };

/** Comments and reviews the bot wrote carry one of these hidden markers (status, stats, replies). */
export const BOT_MARKER = "<!-- codegen-crew:";

/** Marks the bot's short replies (help, refusals, stop), so it never takes them for a person's command. */
export function asReply(body: string): string {
  return `${BOT_MARKER}reply -->\n${body}`;
}

const LISTENS_TO = "it acts on issues labeled, workflow_dispatch, issue_comment created and pull_request_review submitted";

export function decideTrigger(event: TriggerEvent, settings: TriggerSettings): TriggerDecision {
  switch (event.name) {
    case "issues":
      return decideLabel(event, settings);
    case "workflow_dispatch":
      if (event.issueNumber === undefined) return ignore('workflow_dispatch needs an issue: set the "issue-number" input');
      return run({ kind: "issue", issue: event.issueNumber, trigger: { type: "dispatch", sender: event.sender.login } });
    case "pull_request_review":
      return decideReview(event);
    case "issue_comment":
      return decideComment(event);
    case "other":
      return ignore(`event "${event.event}${event.action ? `.${event.action}` : ""}" does not trigger codegen-crew (${LISTENS_TO})`);
  }
}

function decideLabel(event: Extract<TriggerEvent, { name: "issues" }>, settings: TriggerSettings): TriggerDecision {
  if (event.action !== "labeled") return ignore(`issues event "${event.action}" is not "labeled"`);
  // GitHub compares label names without case.
  if (event.label === undefined || event.label.toLowerCase() !== settings.label.toLowerCase()) return ignore(`label "${event.label}" is not the trigger label "${settings.label}"`);
  if (event.issue.state === "closed") return ignore(`issue #${event.issue.number} is closed`);
  return run({ kind: "issue", issue: event.issue.number, trigger: { type: "label", sender: event.sender.login } });
}

function decideReview(event: Extract<TriggerEvent, { name: "pull_request_review" }>): TriggerDecision {
  if (event.action !== "submitted") return ignore(`pull_request_review "${event.action}" is not "submitted" (edits and dismissals start nothing)`);
  const bot = botReason(event.sender) ?? botReason(event.review.user) ?? (event.review.body.includes(BOT_MARKER) ? "the review carries codegen-crew's marker" : undefined);
  if (bot) return ignore(bot);
  const issue = botIssue(event.pullRequest);
  if (issue === undefined) return ignore(`pull request #${event.pullRequest.number} was not opened by codegen-crew`);
  if (event.pullRequest.state !== "open") return ignore(`pull request #${event.pullRequest.number} is closed`);
  const state = event.review.state.toLowerCase();
  if (state === "approved") return ignore("an approving review asks for no change");
  if (state !== "changes_requested" && state !== "commented") return ignore(`review state "${event.review.state}" starts nothing`);
  const trigger: Trigger = { type: "review", sender: event.review.user.login, reviewId: event.review.id, url: event.review.url };
  return run({ kind: "revision", issue, pr: event.pullRequest.number, trigger });
}

function decideComment(event: Extract<TriggerEvent, { name: "issue_comment" }>): TriggerDecision {
  if (event.action !== "created") return ignore(`issue_comment "${event.action}" is not "created" (edited and deleted comments start nothing)`);
  const bot = botReason(event.sender) ?? botReason(event.comment.user) ?? (event.comment.body.includes(BOT_MARKER) ? "the comment carries codegen-crew's marker" : undefined);
  if (bot) return ignore(bot);
  const command = parseCommand(event.comment.body);
  if (!command) return ignore("the comment holds no /codegen command");
  const reply: ReplyTarget = { number: event.issue.number, commentId: event.comment.id, sender: event.comment.user.login };
  // help answers anywhere: it says what the bot does and starts nothing.
  if (command.type === "help") return { action: "help", reply };
  if (event.issue.state !== "open") return ignore(`#${event.issue.number} is closed`);

  let issue = event.issue.number;
  let pr: number | undefined;
  if (event.pullRequest) {
    if (event.pullRequest.headRef === undefined) return { action: "needs-head", pr: event.pullRequest.number };
    const owned = botIssue(event.pullRequest);
    if (owned === undefined) return ignore(`pull request #${event.pullRequest.number} was not opened by codegen-crew`);
    issue = owned;
    pr = event.pullRequest.number;
  }
  if (command.type === "stop") return { action: "stop", issue, pr, reply };
  const sender = event.comment.user.login;
  const trigger: Trigger =
    command.type === "retry"
      ? { type: "retry", sender, commentId: event.comment.id, url: event.comment.url }
      : { type: "command", sender, commentId: event.comment.id, instruction: command.text, url: event.comment.url };
  return run(pr === undefined ? { kind: "issue", issue, trigger } : { kind: "revision", issue, pr, trigger });
}

/**
 * The issue behind a pull request the bot opened: its head branch is `codegen-crew/issue-N`. The bot's
 * `codegen-crew` label alone is not enough: anyone with triage access can add it to any PR, and it does not
 * name the issue the revision belongs to.
 */
function botIssue(pullRequest: PullRequestFacts): number | undefined {
  return pullRequest.headRef === undefined ? undefined : issueOfBranch(pullRequest.headRef);
}

function botReason(actor: Actor): string | undefined {
  if (actor.type === "Bot" || /\[bot\]$/i.test(actor.login)) return `@${actor.login} is a bot (codegen-crew never reacts to bots)`;
  return undefined;
}

function run(item: WorkItem): TriggerDecision {
  return { action: "run", item };
}

function ignore(reason: string): TriggerDecision {
  return { action: "ignore", reason };
}
