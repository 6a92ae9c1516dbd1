#!/usr/bin/env node
/**
 * Cuts the few GitHub REST operations the GitHub stand-in serves out of GitHub's official OpenAPI description
 * (npm `@octokit/openapi`, 385 MiB: never a dependency of this project) into a small committed fixture that
 * test/support/openapi-validator.ts checks requests against.
 *
 *   npm install --prefix /tmp/octokit-openapi @octokit/openapi@23.0.2
 *   node scripts/extract-openapi-fixture.mjs --openapi /tmp/octokit-openapi/node_modules/@octokit/openapi \
 *     [--out test/fixtures/github-openapi-subset.json] ["METHOD /path/{template}" ...]
 *
 * Without operation arguments it extracts OPERATIONS below. The latest `ghes-3.N` description is used (the
 * product talks to GitHub Enterprise Server's layout), falling back to api.github.com. Each operation keeps
 * its parameters, its request body and the JSON schema of its success response (so tests can also check that
 * the stand-in answers the way GitHub does). Every `$ref` they reach is copied transitively; prose
 * (descriptions, examples) and tooling metadata are dropped to keep the file small.
 */
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

const OPERATIONS = [
  "GET /repos/{owner}/{repo}",
  "GET /repos/{owner}/{repo}/issues",
  "GET /repos/{owner}/{repo}/issues/{issue_number}",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
  "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
  "GET /repos/{owner}/{repo}/pulls",
  "POST /repos/{owner}/{repo}/pulls",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}",
  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
  "GET /repos/{owner}/{repo}/contents/{path}",
  "GET /repos/{owner}/{repo}/branches/{branch}",
  "POST /app/installations/{installation_id}/access_tokens",
  "GET /repos/{owner}/{repo}/installation",
  "GET /app/installations",
  "GET /installation/repositories",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/events",
  "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments",
  "GET /repos/{owner}/{repo}/pulls/comments/{comment_id}",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
  "POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
  "POST /repos/{owner}/{repo}/git/tags",
  "GET /repos/{owner}/{repo}/git/tags/{tag_sha}",
  "POST /repos/{owner}/{repo}/git/refs",
  "GET /repos/{owner}/{repo}/git/ref/{ref}",
  "DELETE /repos/{owner}/{repo}/git/refs/{ref}",
];

/** Keys that only carry prose or tooling metadata; nothing a validator reads. */
const DROPPED_KEYS = new Set(["description", "summary", "example", "examples", "externalDocs", "tags", "x-github", "x-octokit", "title"]);
const SUCCESS = /^2\d\d$/;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      openapi: { type: "string" },
      out: { type: "string", default: "test/fixtures/github-openapi-subset.json" },
    },
  });
  if (!values.openapi) throw new Error("--openapi <folder of the installed @octokit/openapi package> is required");
  const { spec, source, packageVersion } = await loadDescription(values.openapi);
  const operations = (positionals.length > 0 ? positionals : OPERATIONS).map(parseOperation);
  const subset = extractSubset(spec, operations);
  subset.info = { title: spec.info?.title ?? "GitHub REST API", version: spec.info?.version ?? "", "x-source": `@octokit/openapi@${packageVersion} generated/${source}` };
  const text = `${JSON.stringify(subset, null, 1)}\n`;
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, text);
  const count = Object.values(subset.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  console.log(`${values.out}: ${count} operations from ${source}, ${Object.keys(subset.components.schemas ?? {}).length} schemas, ${text.length} bytes`);
}

async function loadDescription(packageDir) {
  const generated = path.join(packageDir, "generated");
  const names = await readdir(generated);
  const ghes = names
    .map((name) => /^ghes-(\d+)\.(\d+)\.json$/.exec(name))
    .filter(Boolean)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || Number(b[2]) - Number(a[2]));
  const source = ghes[0]?.[0] ?? "api.github.com.json";
  const spec = JSON.parse(await readFile(path.join(generated, source), "utf8"));
  const packageVersion = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8")).version;
  return { spec, source, packageVersion };
}

function parseOperation(text) {
  const match = /^(GET|POST|PATCH|PUT|DELETE)\s+(\/\S*)$/i.exec(text.trim());
  if (!match) throw new Error(`not an operation: "${text}" (expected "METHOD /path/{param}")`);
  return { method: match[1].toLowerCase(), path: match[2] };
}

function extractSubset(spec, operations) {
  const paths = {};
  const needed = new Set();
  for (const { method, path: template } of operations) {
    const operation = spec.paths?.[template]?.[method];
    if (!operation) throw new Error(`${method.toUpperCase()} ${template} is not in the description`);
    const kept = { operationId: operation.operationId };
    const parameters = [...(spec.paths[template].parameters ?? []), ...(operation.parameters ?? [])];
    if (parameters.length > 0) kept.parameters = parameters;
    if (operation.requestBody) kept.requestBody = operation.requestBody;
    kept.responses = keepResponses(operation.responses ?? {});
    paths[template] = { ...paths[template], [method]: strip(kept) };
    collectRefs(paths[template][method], needed);
  }
  const components = {};
  const queue = [...needed];
  while (queue.length > 0) {
    const ref = queue.shift();
    const [, , kind, name] = ref.split("/");
    const target = spec.components?.[kind]?.[name];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    components[kind] ??= {};
    if (components[kind][name]) continue;
    components[kind][name] = strip(target);
    const more = new Set();
    collectRefs(components[kind][name], more);
    for (const next of more) {
      if (needed.has(next)) continue;
      needed.add(next);
      queue.push(next);
    }
  }
  for (const kind of Object.keys(components)) components[kind] = sortKeys(components[kind]);
  return { openapi: spec.openapi, info: {}, paths: sortKeys(paths), components };
}

/** Success responses keep their JSON schema; the others keep just their status code. */
function keepResponses(responses) {
  const kept = {};
  for (const [status, response] of Object.entries(responses)) {
    const json = response.content?.["application/json"]?.schema;
    kept[status] = SUCCESS.test(status) && json ? { content: { "application/json": { schema: json } } } : {};
  }
  return kept;
}

function strip(value) {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (DROPPED_KEYS.has(key)) continue;
    // `properties` maps names to schemas: a property may itself be called "description" or "title".
    out[key] = key === "properties" ? mapValues(inner, strip) : strip(inner);
  }
  return out;
}

function mapValues(object, fn) {
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, fn(inner)]));
}

function collectRefs(value, into) {
  if (Array.isArray(value)) return value.forEach((item) => collectRefs(item, into));
  if (value === null || typeof value !== "object") return;
  if (typeof value.$ref === "string") {
    if (!value.$ref.startsWith("#/components/")) throw new Error(`external $ref not supported: ${value.$ref}`);
    into.add(value.$ref);
  }
  for (const inner of Object.values(value)) collectRefs(inner, into);
}

function sortKeys(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));
}

await main();
