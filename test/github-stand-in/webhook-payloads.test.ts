import examples from "@octokit/webhooks-examples" with { type: "json" };
import { describe, expect, it } from "vitest";
import { issueCommentCreatedPayload, issuesLabeledPayload, pullRequestReviewSubmittedPayload, workflowDispatchPayload } from "../support/webhook-payloads.js";

const urls = { apiUrl: "http://127.0.0.1:5555/api/v3", serverUrl: "http://127.0.0.1:5555" };

function exampleKeys(event: string, action?: string): string[] {
  const definition = (examples as unknown as Array<{ name: string; examples: Array<Record<string, unknown>> }>).find((candidate) => candidate.name === event);
  const found = definition?.examples.find((candidate) => action === undefined || candidate.action === action);
  return Object.keys(found ?? {});
}

/** Every string in the payload, to prove no trace of the example's repository or host is left. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("webhook payloads from GitHub's examples", () => {
  it("issues.labeled carries the test's repository, issue, label, sender and installation, with GitHub's shape", () => {
    const payload = issuesLabeledPayload({
      owner: "acme",
      repo: "widgets",
      issue: { number: 12, title: "Crash on start", body: "Stack trace…", labels: ["bug"], user: "alice" },
      label: "codegen-crew",
      sender: "bob",
      installationId: 77,
      ...urls,
    });
    expect(payload.action).toBe("labeled");
    expect(Object.keys(payload).sort()).toEqual([...exampleKeys("issues", "labeled"), "installation"].sort());
    expect(payload.repository).toMatchObject({ name: "widgets", full_name: "acme/widgets", owner: { login: "acme" }, html_url: "http://127.0.0.1:5555/acme/widgets" });
    expect(payload.issue).toMatchObject({ number: 12, title: "Crash on start", body: "Stack trace…", user: { login: "alice" }, state: "open" });
    expect(payload.issue.url).toBe("http://127.0.0.1:5555/api/v3/repos/acme/widgets/issues/12");
    expect(payload.issue.labels?.map((label) => label.name)).toEqual(["bug", "codegen-crew"]);
    expect(payload.label?.name).toBe("codegen-crew");
    expect(payload.sender.login).toBe("bob");
    expect(payload.installation?.id).toBe(77);
    const all = strings(payload);
    expect(all.filter((text) => /Codertocat|Hello-World|api\.github\.com|https:\/\/github\.com/.test(text))).toEqual([]);
  });

  it("issue_comment.created marks pull requests and carries the comment", () => {
    const payload = issueCommentCreatedPayload({
      owner: "acme",
      repo: "widgets",
      issue: { number: 3, title: "Add X", pullRequest: true },
      comment: { body: "/crew retry", user: "alice" },
      sender: "alice",
    });
    expect(payload.comment).toMatchObject({ body: "/crew retry", user: { login: "alice" }, issue_url: "https://api.github.com/repos/acme/widgets/issues/3" });
    expect(payload.comment.html_url).toBe(`https://github.com/acme/widgets/pull/3#issuecomment-${payload.comment.id}`);
    expect(payload.issue.pull_request?.url).toBe("https://api.github.com/repos/acme/widgets/pulls/3");
    expect(payload.installation).toBeUndefined();
    const plain = issueCommentCreatedPayload({ owner: "acme", repo: "widgets", issue: { number: 4, title: "Bug" }, comment: { body: "hi" }, sender: "carol" });
    expect(plain.issue.pull_request).toBeUndefined();
    expect(plain.comment.user.login).toBe("carol");
  });

  it("workflow_dispatch carries the ref and inputs", () => {
    const payload = workflowDispatchPayload({ owner: "acme", repo: "widgets", sender: "alice", inputs: { issue: "12" }, ref: "refs/heads/main", installationId: 5, ...urls });
    expect(payload).toMatchObject({ ref: "refs/heads/main", inputs: { issue: "12" }, repository: { full_name: "acme/widgets" }, sender: { login: "alice" }, installation: { id: 5 } });
    expect(payload.workflow).toMatch(/\.ya?ml$/);
    expect(strings(payload).filter((text) => /octo-org|octo-repo|api\.github\.com/.test(text))).toEqual([]);
  });

  it("pull_request_review.submitted carries the PR's head branch and labels, the review and its author", () => {
    const payload = pullRequestReviewSubmittedPayload({
      owner: "acme",
      repo: "widgets",
      pullRequest: { number: 9, headRef: "codegen-crew/issue-4", labels: ["codegen-crew"] },
      review: { id: 31, state: "changes_requested", body: "Handle empty strings", reviewer: "alice" },
      installationId: 5,
      ...urls,
    });
    expect(Object.keys(payload).sort()).toEqual([...exampleKeys("pull_request_review", "submitted"), "installation"].sort());
    expect(payload).toMatchObject({ action: "submitted", sender: { login: "alice", type: "User" }, installation: { id: 5 } });
    expect(payload.review).toMatchObject({ id: 31, state: "changes_requested", body: "Handle empty strings", user: { login: "alice" }, html_url: "http://127.0.0.1:5555/acme/widgets/pull/9#pullrequestreview-31" });
    expect(payload.pull_request).toMatchObject({ number: 9, state: "open", head: { ref: "codegen-crew/issue-4" }, user: { login: "codegen-crew[bot]", type: "Bot" } });
    expect(payload.pull_request.labels.map((label) => label.name)).toEqual(["codegen-crew"]);
    expect(strings(payload).filter((text) => /Codertocat|Hello-World|api\.github\.com|https:\/\/github\.com/.test(text))).toEqual([]);
    const byBot = pullRequestReviewSubmittedPayload({ owner: "acme", repo: "widgets", pullRequest: { number: 9, headRef: "x" }, review: { state: "commented", reviewer: "lint[bot]" } });
    expect(byBot.sender).toMatchObject({ login: "lint[bot]", type: "Bot" });
    expect(byBot.review.body).toBeNull();
  });
});
