import type { ForgeClient, TagInfo } from "../core/forge/forge-client.js";
import { errorMessage } from "../core/errors.js";
import { ForgeError } from "../core/forge/forge-client.js";
import { call, callOrNull, statusOf, type GitHubOctokit } from "./octokit-client.js";

type GitDataCalls = Pick<ForgeClient, "getDefaultBranch" | "getBranchSha" | "createTag" | "getTag" | "createRef" | "getRef" | "deleteRef">;

/** `refs/heads/x` → `heads/x`: the Git Data paths take the name without its `refs/` prefix. */
function shortRef(ref: string): string {
  return ref.replace(/^refs\//, "");
}

function tagInfo(data: { sha: string; message: string; tagger: { date: string } }): TagInfo {
  return { sha: data.sha, message: data.message, date: data.tagger.date };
}

/** Branches, refs and tag objects: what the run lock is made of. */
export function gitDataCalls(octokit: GitHubOctokit, owner: string, repo: string): GitDataCalls {
  const rest = octokit.rest;
  return {
    async getDefaultBranch() {
      const { data } = await call("GET repository", () => rest.repos.get({ owner, repo }));
      return data.default_branch;
    },
    async getBranchSha(branch) {
      const found = await callOrNull(`GET branch ${branch}`, () => rest.repos.getBranch({ owner, repo, branch }));
      return found ? found.data.commit.sha : null;
    },
    async createTag(tag) {
      const { data } = await call(`create tag ${tag.tag}`, () => rest.git.createTag({ owner, repo, ...tag, type: "commit" }));
      return tagInfo(data);
    },
    async getTag(sha) {
      const { data } = await call(`GET tag ${sha}`, () => rest.git.getTag({ owner, repo, tag_sha: sha }));
      return tagInfo(data);
    },
    async createRef(ref, sha) {
      try {
        await rest.git.createRef({ owner, repo, ref, sha });
        return true;
      } catch (error) {
        // The atomic part of the lock: GitHub answers 422 "Reference already exists" to the second create.
        if (statusOf(error) === 422 && /already exists/i.test(errorMessage(error))) return false;
        throw new ForgeError(`create ref ${ref}`, errorMessage(error), statusOf(error), { cause: error });
      }
    },
    async getRef(ref) {
      const found = await callOrNull(`GET ref ${ref}`, () => rest.git.getRef({ owner, repo, ref: shortRef(ref) }));
      return found ? { sha: found.data.object.sha, type: found.data.object.type } : null;
    },
    async deleteRef(ref) {
      await call(`delete ref ${ref}`, () => rest.git.deleteRef({ owner, repo, ref: shortRef(ref) }));
    },
  };
}
