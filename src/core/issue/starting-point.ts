import { ForgeError, type ForgeClient, type IssueInfo, type PullRequestDetails } from "../forge/forge-client.js";
import { allSettledOrThrow } from "../settle.js";
import { issueBranch, type RunMode, type WorkItem } from "../work/work-item.js";
import { Git } from "../workspace/git.js";
import { fetchBranches, type RemoteAccess } from "../workspace/git-remote.js";

/** Where the branch stands before the crew runs. */
export interface Starting {
  mode: RunMode;
  /** The bot's PR for the issue: open, or closed by a person (reopened when the run pushes). */
  pr: PullRequestDetails | undefined;
  defaultHead: string;
  /** The remote head of the bot's branch, when it exists. */
  branchHead: string | null;
}

export interface StartingInput {
  item: WorkItem;
  issue: IssueInfo;
  /** The PR the trigger came from (a review, a command on the PR). */
  pr: PullRequestDetails | undefined;
  /** The default branch as the run found it when it took the lock. */
  defaultBranch: string;
}

/**
 * The remote state a run starts from, read once the lock is held: the default branch's and the bot branch's
 * heads (fetched into the clone) and the bot's PR for the issue. Read-only on both sides, so it goes out
 * beside the first writes (the reaction, the status comment) rather than after them.
 */
export async function startingPoint(
  input: StartingInput,
  deps: {
    forge: ForgeClient;
    /** The clone, possibly still on its way: the listing of the remote does not wait for it. */
    repoDir: string | Promise<string>;
    remote: RemoteAccess;
  },
): Promise<Starting | { skip: string }> {
  const n = input.issue.number;
  const branch = issueBranch(n);
  const defaultBranch = input.defaultBranch;
  // The branch's PRs do not depend on the fetch: both go out together.
  const [fetched, prs] = await allSettledOrThrow([
    fetchBranches(deps.repoDir, deps.remote, [branch, defaultBranch]),
    input.pr ? [input.pr] : deps.forge.listPullRequestsForBranch(branch, "all"),
  ] as const);
  const branchRef = fetched.get(branch) ?? null;
  const defaultRef = fetched.get(defaultBranch) ?? null;
  if (!defaultRef) throw new ForgeError("fetch default branch", `the repository has no default branch (${defaultBranch}) to start from`);
  const latest = prs.find((p) => p.state === "open") ?? prs[0];
  if (input.item.kind === "revision" && latest?.merged) return { skip: `#${latest.number} is merged; open a new issue (or add the label again on #${n}) for further changes` };
  // A merged PR is finished work: the next run starts over from the default branch (which holds it) and
  // opens a new PR. A PR a person closed unmerged is still the issue's one PR, reopened when the run pushes.
  const merged = latest?.merged === true;
  const git = await Git.open(await deps.repoDir);
  const [defaultHead, branchHead] = await Promise.all([git.refCommit(defaultRef), branchRef ? git.refCommit(branchRef) : null]);
  return { mode: branchRef && !merged ? "revision" : "new", pr: merged ? undefined : latest, defaultHead, branchHead };
}
