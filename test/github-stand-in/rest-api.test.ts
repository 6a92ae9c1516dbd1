import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGitHubServer, type GitHubServer } from "../support/github-server.js";

const OWNER = "acme";
const REPO = "widgets";

let github: GitHubServer;

beforeEach(async () => {
  github = await startGitHubServer({ tokens: ["ghs_writer", { token: "ghs_reader", readOnly: true, login: "reader-bot[bot]" }] });
  await github.addRepo(OWNER, REPO, {
    files: { "README.md": "# widgets\n", "src/index.ts": "export const answer = 42;\n" },
    permissions: { alice: "write", mallory: "read" },
  });
  await github.addIssue(OWNER, REPO, { number: 7, title: "Add a greeting", body: "Please greet.", labels: ["bug"], user: "alice" });
});

afterEach(async () => {
  await github.close();
});

function octokit(token = "ghs_writer") {
  return getOctokit(token, { baseUrl: github.apiUrl });
}

/** Octokit's typed `request` would not let a test send what GitHub rejects. */
function send(route: string, parameters: Record<string, unknown>): Promise<unknown> {
  const request = octokit().request as unknown as (route: string, parameters: Record<string, unknown>) => Promise<unknown>;
  return request(route, parameters);
}

describe("GitHub stand-in: REST through Octokit", () => {
  it("creates a comment, edits it and lists it with GitHub's fields", async () => {
    const api = octokit();
    const created = await api.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: "Working on it" });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe("github-actions[bot]");
    expect(created.data.html_url).toBe(`${github.serverUrl}/${OWNER}/${REPO}/issues/7#issuecomment-${created.data.id}`);

    const edited = await api.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: created.data.id, body: "Done: see the PR" });
    expect(edited.data.body).toBe("Done: see the PR");

    const listed = await api.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 7 });
    expect(listed.data.map((comment) => comment.body)).toEqual(["Done: see the PR"]);
    expect(github.comments(OWNER, REPO, 7)[0]?.edits.map((edit) => edit.previousBody)).toEqual(["Working on it"]);
    expect(github.violations).toEqual([]);
    expect(github.responseViolations).toEqual([]);
  });

  it("creates a pull request on a pushed branch and finds it by owner:branch only", async () => {
    await github.commitFiles(OWNER, REPO, "crew/issue-7", { "src/greet.ts": "export const greet = () => 'hi';\n" }, "Add greet");
    const api = octokit();
    const created = await api.rest.pulls.create({ owner: OWNER, repo: REPO, head: "crew/issue-7", base: "main", title: "Add a greeting", body: "Closes #7", draft: true });
    expect(created.status).toBe(201);
    expect(created.data.number).toBe(8); // pull requests share the issue number space
    expect(created.data.head.ref).toBe("crew/issue-7");
    expect(created.data.head.sha).toBe(await github.branchHead(OWNER, REPO, "crew/issue-7"));
    expect(created.data.base.ref).toBe("main");
    expect(created.data.draft).toBe(true);

    const byHead = await api.rest.pulls.list({ owner: OWNER, repo: REPO, head: `${OWNER}:crew/issue-7`, state: "open" });
    expect(byHead.data.map((pull) => pull.number)).toEqual([8]);
    const otherBranch = await api.rest.pulls.list({ owner: OWNER, repo: REPO, head: `${OWNER}:other`, state: "open" });
    expect(otherBranch.data).toEqual([]);

    await api.rest.issues.addLabels({ owner: OWNER, repo: REPO, issue_number: 8, labels: ["codegen-crew"] });
    const updated = await api.rest.pulls.update({ owner: OWNER, repo: REPO, pull_number: 8, title: "Add a greeting (v2)", state: "closed" });
    expect(updated.data.state).toBe("closed");
    expect(updated.data.labels.map((label) => label.name)).toEqual(["codegen-crew"]);
    const fetched = await api.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 8 });
    expect(fetched.data.title).toBe("Add a greeting (v2)");
    expect(github.violations).toEqual([]);
    expect(github.responseViolations).toEqual([]);
  });

  it("refuses a second pull request for the same branch, and one without commits, like GitHub (422)", async () => {
    const api = octokit();
    await github.commitFiles(OWNER, REPO, "feature", { "a.txt": "a\n" });
    await api.rest.pulls.create({ owner: OWNER, repo: REPO, head: "feature", base: "main", title: "First" });
    await expect(api.rest.pulls.create({ owner: OWNER, repo: REPO, head: "feature", base: "main", title: "Again" })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ message: `A pull request already exists for ${OWNER}:feature.` }] } },
    });
    await expect(api.rest.pulls.create({ owner: OWNER, repo: REPO, head: "main", base: "main", title: "Nothing" })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ message: "No commits between main and main" }] } },
    });
    await expect(api.rest.pulls.create({ owner: OWNER, repo: REPO, head: "no-such-branch", base: "main", title: "Missing" })).rejects.toMatchObject({ status: 422 });
  });

  it("serves issues, labels, reactions, permissions, contents and branches as GitHub does", async () => {
    const api = octokit();
    const issue = await api.rest.issues.get({ owner: OWNER, repo: REPO, issue_number: 7 });
    expect(issue.data).toMatchObject({ number: 7, title: "Add a greeting", user: { login: "alice" }, labels: [{ name: "bug" }], locked: false });

    const reaction = await api.rest.reactions.createForIssue({ owner: OWNER, repo: REPO, issue_number: 7, content: "eyes" });
    expect(reaction.status).toBe(201);
    expect((await api.rest.reactions.createForIssue({ owner: OWNER, repo: REPO, issue_number: 7, content: "eyes" })).status).toBe(200);

    const labels = await api.rest.issues.addLabels({ owner: OWNER, repo: REPO, issue_number: 7, labels: ["in-progress"] });
    expect(labels.data.map((label) => label.name)).toEqual(["bug", "in-progress"]);
    const remaining = await api.rest.issues.removeLabel({ owner: OWNER, repo: REPO, issue_number: 7, name: "bug" });
    expect(remaining.data.map((label) => label.name)).toEqual(["in-progress"]);
    await expect(api.rest.issues.removeLabel({ owner: OWNER, repo: REPO, issue_number: 7, name: "bug" })).rejects.toMatchObject({ status: 404 });

    const permission = (username: string) => api.rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username });
    expect((await permission("alice")).data.permission).toBe("write");
    expect((await permission("mallory")).data.permission).toBe("read");
    expect((await permission(OWNER)).data.permission).toBe("admin");

    const file = await api.rest.repos.getContent({ owner: OWNER, repo: REPO, path: "src/index.ts" });
    expect(Array.isArray(file.data) ? undefined : file.data.type).toBe("file");
    const content = !Array.isArray(file.data) && file.data.type === "file" ? file.data.content : "";
    expect(Buffer.from(content, "base64").toString("utf8")).toBe("export const answer = 42;\n");
    const raw = await api.rest.repos.getContent({ owner: OWNER, repo: REPO, path: "src/index.ts", mediaType: { format: "raw" } });
    expect(String(raw.data)).toBe("export const answer = 42;\n");
    const dir = await api.rest.repos.getContent({ owner: OWNER, repo: REPO, path: "src" });
    expect(Array.isArray(dir.data) ? dir.data.map((entry) => entry.path) : []).toEqual(["src/index.ts"]);
    await expect(api.rest.repos.getContent({ owner: OWNER, repo: REPO, path: "missing.txt" })).rejects.toMatchObject({ status: 404 });

    const branch = await api.rest.repos.getBranch({ owner: OWNER, repo: REPO, branch: "main" });
    expect(branch.data.commit.sha).toBe(await github.branchHead(OWNER, REPO, "main"));
    expect(branch.data.commit.commit.message).toBe("Initial commit");
    const repo = await api.rest.repos.get({ owner: OWNER, repo: REPO });
    expect(repo.data).toMatchObject({ full_name: `${OWNER}/${REPO}`, default_branch: "main", clone_url: github.cloneUrl(OWNER, REPO) });

    await github.addIssue(OWNER, REPO, { number: 9, title: "Second", labels: ["bug", "codegen-crew"] });
    const labelled = await api.rest.issues.listForRepo({ owner: OWNER, repo: REPO, labels: "codegen-crew", state: "open" });
    expect(labelled.data.map((found) => found.number)).toEqual([9]);
    const all = await api.paginate(api.rest.issues.listForRepo, { owner: OWNER, repo: REPO, per_page: 1 });
    expect(all.map((found) => found.number).sort()).toEqual([7, 9]);
    expect(github.violations).toEqual([]);
    expect(github.responseViolations).toEqual([]);
  });
});

describe("GitHub stand-in: violations, auth and faults", () => {
  it("records a request whose body breaks GitHub's schema, and answers 400", async () => {
    const failure = send("POST /repos/{owner}/{repo}/pulls", { owner: OWNER, repo: REPO, base: "main", title: "no head" });
    await expect(failure).rejects.toMatchObject({ status: 400 });
    expect(github.violations).toEqual([
      { method: "POST", path: `/repos/${OWNER}/${REPO}/pulls`, operationId: "pulls/create", problems: ["request body: must have required property 'head'"] },
    ]);
    await expect(send("POST /repos/{owner}/{repo}/issues/{issue_number}/reactions", { owner: OWNER, repo: REPO, issue_number: 7, content: "party" })).rejects.toMatchObject({
      status: 400,
    });
    expect(github.violations[1]?.problems[0]).toMatch(/content: must be equal to one of the allowed values/);
    expect(github.state.repo(OWNER, REPO)?.issues.get(7)?.reactions).toEqual([]);
  });

  it("records an operation GitHub does not have", async () => {
    await expect(send("POST /repos/{owner}/{repo}/issues/{issue_number}/frobnicate", { owner: OWNER, repo: REPO, issue_number: 7 })).rejects.toMatchObject({ status: 400 });
    await expect(send("PUT /repos/{owner}/{repo}/pulls", { owner: OWNER, repo: REPO })).rejects.toMatchObject({ status: 400 });
    expect(github.violations.map((violation) => violation.problems[0])).toEqual([
      `POST /repos/${OWNER}/${REPO}/issues/7/frobnicate is not a GitHub REST operation the stand-in knows`,
      `PUT /repos/${OWNER}/${REPO}/pulls is not a GitHub REST operation the stand-in knows (the path exists, but not with this method)`,
    ]);
  });

  it("answers 401 without a token or with an unknown one, and 403 to writes with a read-only token", async () => {
    const anonymous = await fetch(`${github.apiUrl}/repos/${OWNER}/${REPO}/issues/7`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ message: "Requires authentication", documentation_url: expect.stringContaining("docs.github.com") });
    await expect(octokit("ghp_unknown").rest.issues.get({ owner: OWNER, repo: REPO, issue_number: 7 })).rejects.toMatchObject({ status: 401 });

    const reader = octokit("ghs_reader");
    expect((await reader.rest.issues.get({ owner: OWNER, repo: REPO, issue_number: 7 })).status).toBe(200);
    await expect(reader.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: "hi" })).rejects.toMatchObject({
      status: 403,
      response: { data: { message: "Resource not accessible by integration" } },
    });
    expect(github.comments(OWNER, REPO, 7)).toEqual([]);
    expect(github.requests.every((request) => !request.headers.authorization || /^(token|Bearer) \[redacted\]$/.test(request.headers.authorization))).toBe(true);
  });

  it("failNext with performFirst creates the pull request and still answers 502, so a retry must find it", async () => {
    await github.commitFiles(OWNER, REPO, "crew/issue-7", { "x.txt": "x\n" });
    github.failNext("POST", "/repos/{owner}/{repo}/pulls", 502, { performFirst: true });
    const api = octokit();
    await expect(api.rest.pulls.create({ owner: OWNER, repo: REPO, head: "crew/issue-7", base: "main", title: "Add a greeting" })).rejects.toMatchObject({ status: 502 });
    expect(github.pullRequests(OWNER, REPO).map((pull) => pull.pullRequest?.headRef)).toEqual(["crew/issue-7"]);
    const found = await api.rest.pulls.list({ owner: OWNER, repo: REPO, head: `${OWNER}:crew/issue-7`, state: "open" });
    expect(found.data).toHaveLength(1);
    expect(github.pendingFaults()).toEqual([]);

    github.failNext("POST", /\/comments$/, 503, 2);
    await expect(api.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: "one" })).rejects.toMatchObject({ status: 503 });
    await expect(api.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: "two" })).rejects.toMatchObject({ status: 503 });
    expect((await api.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: "three" })).status).toBe(201);
    expect(github.comments(OWNER, REPO, 7).map((comment) => comment.body)).toEqual(["three"]);
  });
});
