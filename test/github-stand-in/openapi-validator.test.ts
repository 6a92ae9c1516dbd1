import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createOpenApiValidator, OPENAPI_FIXTURE, toJsonSchema } from "../support/openapi-validator.js";

const validator = createOpenApiValidator();

describe("OpenAPI fixture and validator", () => {
  it("holds every operation the stand-in serves, cut from the GHES description, and stays small", () => {
    const fixture = JSON.parse(readFileSync(OPENAPI_FIXTURE, "utf8")) as { info: Record<string, string>; paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(fixture.paths).flatMap(([template, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${template}`));
    expect(operations).toHaveLength(36);
    expect(operations).toContain("POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies");
    expect(operations).toContain("GET /repos/{owner}/{repo}/git/ref/{ref}");
    expect(operations).toContain("POST /app/installations/{installation_id}/access_tokens");
    expect(operations).toContain("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}");
    expect(fixture.info["x-source"]).toMatch(/^@octokit\/openapi@[\d.]+ generated\/ghes-3\.\d+\.json$/);
    expect(statSync(OPENAPI_FIXTURE).size).toBeLessThan(300_000);
  });

  it("matches literal path segments before parameters, and lets the contents path span segments", () => {
    expect(validator.match("PATCH", "/repos/o/r/issues/comments/5")?.operationId).toBe("issues/update-comment");
    expect(validator.match("GET", "/repos/o/r/issues/5")?.params).toEqual({ owner: "o", repo: "r", issue_number: "5" });
    expect(validator.match("GET", "/repos/o/r/contents/src/a%20b.ts")?.params.path).toBe("src/a b.ts");
    expect(validator.match("DELETE", "/repos/o/r/issues/5/labels/needs%20triage")?.params.name).toBe("needs triage");
    expect(validator.match("GET", "/repos/o/r/issues/5/labels")).toBeUndefined();
    expect(validator.match("GET", "/repos/o/r/git/ref/codegen-crew/locks/issue-7")?.params.ref).toBe("codegen-crew/locks/issue-7");
    expect(validator.match("DELETE", "/repos/o/r/git/refs/heads/feature/x")?.params.ref).toBe("heads/feature/x");
    expect(validator.match("POST", "/repos/o/r/pulls/comments/9/reactions")?.operationId).toBe("reactions/create-for-pull-request-review-comment");
  });

  it("checks query parameters by their declared types and enums", () => {
    const list = (query: Record<string, string>) => validator.checkRequest({ method: "GET", path: "/repos/o/r/pulls", query, body: undefined });
    expect(list({ state: "open", per_page: "50", head: "o:b" }).ok).toBe(true);
    const bad = list({ state: "merged", per_page: "lots" });
    expect(bad.ok ? [] : bad.problems).toEqual(['query parameter "state": must be equal to one of the allowed values', 'query parameter "per_page": must be integer']);
  });

  it("requires a body where GitHub does and checks it", () => {
    const comment = (body: unknown) => validator.checkRequest({ method: "POST", path: "/repos/o/r/issues/1/comments", query: {}, body });
    expect(comment({ body: "hi" }).ok).toBe(true);
    const missing = comment(undefined);
    expect(missing.ok ? [] : missing.problems).toEqual(["request body is required"]);
    const wrong = comment({ body: 42 });
    expect(wrong.ok ? [] : wrong.problems).toEqual(["request body /body: must be string"]);
  });

  it("rejects a response that lacks GitHub's required fields or has a wrong nullable", () => {
    const operation = validator.match("POST", "/repos/o/r/issues/1/reactions");
    if (!operation) throw new Error("no reactions operation");
    const user = {
      login: "a",
      id: 1,
      node_id: "U",
      avatar_url: "http://x/a",
      gravatar_id: null,
      url: "http://x/u",
      html_url: "http://x/h",
      followers_url: "http://x/f",
      following_url: "f",
      gists_url: "g",
      starred_url: "s",
      subscriptions_url: "http://x/s",
      organizations_url: "http://x/o",
      repos_url: "http://x/r",
      events_url: "e",
      received_events_url: "http://x/r",
      type: "User",
      site_admin: false,
    };
    const reaction = { id: 1, node_id: "R", user, content: "eyes", created_at: "2026-01-01T00:00:00Z" };
    expect(validator.checkResponse(operation, 201, reaction)).toEqual([]);
    expect(validator.checkResponse(operation, 201, { ...reaction, user: null })).toEqual([]);
    expect(validator.checkResponse(operation, 201, { ...reaction, created_at: null })).not.toEqual([]);
    expect(validator.checkResponse(operation, 201, { id: 1 })).toContain("response: must have required property 'node_id'");
  });

  it("turns OpenAPI 3.0 nullable into JSON Schema", () => {
    expect(toJsonSchema({ type: "string", nullable: true, enum: ["a"] })).toEqual({ type: ["string", "null"], enum: ["a", null] });
    expect(toJsonSchema({ nullable: true, oneOf: [{ type: "object" }] })).toEqual({ anyOf: [{ oneOf: [{ type: "object" }] }, { type: "null" }] });
    expect(toJsonSchema({ properties: { nullable: { type: "boolean" } } })).toEqual({ properties: { nullable: { type: "boolean" } } });
  });
});
