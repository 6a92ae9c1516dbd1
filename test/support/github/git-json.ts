import type { CommitInfo } from "./git-objects.js";
import type { TreeEntry } from "./repo-reads.js";

/** GitHub's JSON for git objects (commits, branches, contents) of one repository of the stand-in. */
export interface RepoUrls {
  /** `…/api/v3/repos/<owner>/<repo>` */
  api: string;
  /** `http://127.0.0.1:P/<owner>/<repo>` */
  web: string;
  /** Where raw file downloads live: `http://127.0.0.1:P/raw/<owner>/<repo>` */
  raw: string;
}

type Json = Record<string, unknown>;

export function commitJson(urls: RepoUrls, info: CommitInfo): Json {
  const api = `${urls.api}/commits/${info.sha}`;
  const gitUser = (who: CommitInfo["author"]) => ({ name: who.name, email: who.email, date: who.date });
  return {
    url: api,
    sha: info.sha,
    node_id: `C_kwDO${Buffer.from(info.sha).toString("base64url").slice(0, 24)}`,
    html_url: `${urls.web}/commit/${info.sha}`,
    comments_url: `${api}/comments`,
    commit: {
      url: `${urls.api}/git/commits/${info.sha}`,
      author: gitUser(info.author),
      committer: gitUser(info.committer),
      message: info.message,
      comment_count: 0,
      tree: { sha: info.tree, url: `${urls.api}/git/trees/${info.tree}` },
      verification: { verified: false, reason: "unsigned", payload: null, signature: null, verified_at: null },
    },
    author: null,
    committer: null,
    parents: info.parents.map((sha) => ({ sha, url: `${urls.api}/commits/${sha}`, html_url: `${urls.web}/commit/${sha}` })),
  };
}

export function branchJson(urls: RepoUrls, name: string, head: CommitInfo): Json {
  const api = `${urls.api}/branches/${encodeURIComponent(name)}`;
  return {
    name,
    commit: commitJson(urls, head),
    _links: { self: api, html: `${urls.web}/tree/${name}` },
    protected: false,
    protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
    protection_url: `${api}/protection`,
  };
}

/** One entry of a contents response; a file entry carries its bytes when `content` is given. */
export function contentJson(urls: RepoUrls, ref: string, entry: TreeEntry, content?: Buffer): Json {
  const query = `?ref=${encodeURIComponent(ref)}`;
  const self = `${urls.api}/contents/${encodePath(entry.path)}${query}`;
  const kind = entry.type === "dir" ? "tree" : "blob";
  const html = `${urls.web}/${kind}/${ref}/${encodePath(entry.path)}`;
  const git = `${urls.api}/git/${kind === "tree" ? "trees" : "blobs"}/${entry.sha}`;
  const json: Json = {
    type: entry.type,
    name: entry.name,
    path: entry.path,
    sha: entry.sha,
    size: entry.size,
    url: self,
    html_url: html,
    git_url: git,
    download_url: entry.type === "file" ? `${urls.raw}/${ref}/${encodePath(entry.path)}` : null,
    _links: { self, git, html },
  };
  if (content) {
    // GitHub wraps base64 at 60 characters per line.
    json.content = (content.toString("base64").match(/.{1,60}/g) ?? []).join("\n") + "\n";
    json.encoding = "base64";
  }
  return json;
}

function encodePath(filePath: string): string {
  return filePath.split("/").map(encodeURIComponent).join("/");
}
