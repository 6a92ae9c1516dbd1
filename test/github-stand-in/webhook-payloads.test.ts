import examples from "@octokit/webhooks-examples" with { type: "json" };
import { describe, expect, it } from "vitest";
import {
  issueCommentCreatedPayload,
  issueCommentEditedPayload,
  issuesLabeledPayload,
  pullRequestReviewSubmittedPayload,
  workflowDispatchPayload,
} from "../support/webhook-payloads.js";

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
    expect(payload).toMatchObject({
      ref: "refs/heads/main",
      inputs: { issue: "12" },
      repository: { full_name: "acme/widgets" },
      sender: { login: "alice" },
      installation: { id: 5 },
    });
    expect(payload.workflow).toMatch(/\.ya?ml$/);
    expect(strings(payload).filter((text) => /octo-org|octo-repo|api\.github\.com/.test(text))).toEqual([]);
  });

  it("issue_comment.edited carries the new body and the old one, on an issue or a pull request", () => {
    const payload = issueCommentEditedPayload({
      owner: "acme",
      repo: "widgets",
      issue: { number: 3, title: "Add X", pullRequest: true },
      comment: { body: "/codegen also handle empty strings", user: "alice", id: 99 },
      previousBody: "/codegen also handle nulls",
      sender: "alice",
      ...urls,
    });
    expect(payload).toMatchObject({ action: "edited", changes: { body: { from: "/codegen also handle nulls" } }, comment: { id: 99, body: "/codegen also handle empty strings" } });
    expect(payload.issue.pull_request?.url).toBe("http://127.0.0.1:5555/api/v3/repos/acme/widgets/pulls/3");
    expect(Object.keys(payload).sort()).toEqual(exampleKeys("issue_comment", "edited").sort());
    const onIssue = issueCommentEditedPayload({ owner: "acme", repo: "widgets", issue: { number: 4, title: "Bug" }, comment: { body: "b" }, previousBody: "a", sender: "carol" });
    expect(onIssue.issue.pull_request).toBeUndefined();
    expect(strings(payload).filter((text) => /Codertocat|Hello-World|api\.github\.com|https:\/\/github\.com/.test(text))).toEqual([]);
  });

  it("pull_request_review.submitted carries the pull request and the review, by a person or by a bot", () => {
    const pullRequest = {
      number: 8,
      title: "Pad strings",
      head: { ref: "codegen-crew/issue-7", sha: "a".repeat(40) },
      base: { ref: "main", sha: "b".repeat(40) },
      labels: ["codegen"],
      user: "codegen-crew[bot]",
    };
    const payload = pullRequestReviewSubmittedPayload({
      owner: "acme",
      repo: "widgets",
      sender: "alice",
      installationId: 5,
      pullRequest,
      review: { id: 501, state: "changes_requested", body: "Two things." },
      ...urls,
    });
    expect(payload).toMatchObject({
      action: "submitted",
      review: { id: 501, state: "changes_requested", body: "Two things.", user: { login: "alice", type: "User" }, commit_id: "a".repeat(40) },
      pull_request: { number: 8, head: { ref: "codegen-crew/issue-7", sha: "a".repeat(40) }, base: { ref: "main" }, user: { login: "codegen-crew[bot]", type: "Bot" } },
      sender: { login: "alice", type: "User" },
      installation: { id: 5 },
    });
    expect(payload.pull_request.labels.map((label) => label.name)).toEqual(["codegen"]);
    expect(payload.review.html_url).toBe("http://127.0.0.1:5555/acme/widgets/pull/8#pullrequestreview-501");
    expect(Object.keys(payload).sort()).toEqual([...exampleKeys("pull_request_review", "submitted"), "installation"].sort());
    expect(strings(payload).filter((text) => /Codertocat|Hello-World|api\.github\.com|https:\/\/github\.com/.test(text))).toEqual([]);

    const byBot = pullRequestReviewSubmittedPayload({ owner: "acme", repo: "widgets", sender: "codegen-crew[bot]", pullRequest, review: { state: "commented", body: "" } });
    expect(byBot.sender.type).toBe("Bot");
    expect(byBot.review.user?.type).toBe("Bot");
    const byMachineUser = pullRequestReviewSubmittedPayload({
      owner: "acme",
      repo: "widgets",
      sender: "lint-robot",
      senderType: "Bot",
      pullRequest,
      review: { state: "approved" },
    });
    expect(byMachineUser.sender.type).toBe("Bot");
  });
});
