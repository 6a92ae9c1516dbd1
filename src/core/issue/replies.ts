import type { RevisionResponse } from "../crew/revision-request.js";
import { describeError } from "../errors.js";
import type { ForgeClient } from "../forge/forge-client.js";
import type { RunResult } from "../report/run-report.js";
import type { ReplyTarget } from "./revision-input.js";

const MAX_REPLY = 1_500;

/** Model text made safe to post: no hidden HTML, no pings (a model must not mention people), bounded. */
export function defuseReply(text: string): string {
  return text
    .replace(/<!--[\s\S]*?(-->|$)/g, "")
    .replace(/@(?=[A-Za-z0-9-])/g, "@\u200b")
    .replace(/\s+$/g, "")
    .slice(0, MAX_REPLY);
}

/**
 * One reply per thread or request comment the revision addressed: what changed, with the commit, or why
 * nothing did. Threads are never resolved by the bot (a GITHUB_TOKEN cannot, and reviewers prefer to).
 * Replies are best effort: one that fails is logged and the others still go out.
 */
export async function postReplies(
  forge: ForgeClient,
  input: {
    targets: ReplyTarget[];
    responses: RevisionResponse[];
    changed: boolean;
    commit: string | null;
    result: RunResult;
    requester?: string | undefined;
    log: { warn(message: string): void };
  },
): Promise<number> {
  let posted = 0;
  const sha = input.commit ? input.commit.slice(0, 7) : undefined;
  const verdict = input.result === "ready" ? "The checks pass." : input.result === "draft" ? "The PR stays a draft: see its validation table." : "";
  for (const target of input.targets) {
    const response = input.responses.find((r) => r.item === target.item);
    const lead = input.changed && sha ? `Revised in ${sha}` : "No change";
    const text = response ? `${lead}: ${defuseReply(response.reply)}` : input.changed && sha ? `Revised in ${sha}; see the diff.` : "No change was made for this.";
    const body = [target.kind === "comment" && input.requester ? `@${input.requester} ${text}` : text, verdict].filter(Boolean).join("\n\n");
    try {
      if (target.kind === "thread") await forge.replyToReviewComment(target.pr, target.commentId, body);
      else await forge.createComment(target.issue, body);
      posted += 1;
    } catch (error) {
      input.log.warn(`could not reply (${target.kind} for item ${target.item}): ${describeError(error)}`);
    }
  }
  return posted;
}
