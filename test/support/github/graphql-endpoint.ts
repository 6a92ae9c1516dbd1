import type { IncomingMessage, ServerResponse } from "node:http";
import type { DocumentNode, GraphQLError, GraphQLSchema, IntrospectionQuery, OperationDefinitionNode } from "graphql";
import { parseAuthorization, type TokenRegistry } from "./auth.js";
import { errorBody, readBody, sendJson } from "./http-util.js";
import type { RecordedRequest } from "./api-endpoint.js";
import type { GitHubState, IssueState, RepoState } from "./state.js";
import { timestamp } from "./state.js";

/**
 * The stand-in's GraphQL endpoint (`POST /api/graphql`, GitHub Enterprise Server's place for it). Every
 * document is parsed and validated against GitHub's public schema (npm `@octokit/graphql-schema`), so a
 * query GitHub would reject is rejected here with GitHub's error shape; the two mutations REST lacks —
 * `markPullRequestReadyForReview` and `convertPullRequestToDraft` — are executed against the stand-in's state.
 */
export interface DraftMutation {
  mutation: "markPullRequestReadyForReview" | "convertPullRequestToDraft";
  owner: string;
  repo: string;
  pullNumber: number;
  /** The draft flag after the call. */
  draft: boolean;
  login: string;
}

export interface GraphqlEndpoint {
  state: GitHubState;
  tokens: TokenRegistry;
  /** `http://127.0.0.1:P`, for the URLs of nodes. */
  webUrl: string;
  /** Executed mutations, in order. */
  draftMutations: DraftMutation[];
}

const SERVED = new Set(["markPullRequestReadyForReview", "convertPullRequestToDraft"]);

let schemaPromise: Promise<GraphQLSchema> | undefined;

/**
 * Built once per process, on first use, from the package's introspection result (the same schema as its
 * SDL, and several times faster to build than parsing 1.2 MB of SDL: under a second instead of seconds).
 */
function githubSchema(): Promise<GraphQLSchema> {
  schemaPromise ??= (async () => {
    const [{ schema }, { buildClientSchema }] = await Promise.all([import("@octokit/graphql-schema"), import("graphql")]);
    return buildClientSchema(schema.json as unknown as IntrospectionQuery, { assumeValid: true });
  })();
  return schemaPromise;
}

interface GraphqlError {
  message: string;
  type?: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
}

export async function handleGraphqlRequest(request: IncomingMessage, response: ServerResponse, record: RecordedRequest, endpoint: GraphqlEndpoint): Promise<void> {
  const answer = (status: number, body: unknown) => {
    record.status = status;
    sendJson(response, status, body);
  };
  if (record.method !== "POST") return answer(404, errorBody(404, "Not Found"));
  const credential = parseAuthorization(request.headers.authorization);
  const identity = credential && credential.scheme !== "basic" ? endpoint.tokens.identify(credential.value) : undefined;
  if (!identity || identity.kind !== "token")
    return answer(401, {
      message: "This endpoint requires you to be authenticated.",
      documentation_url: "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
    });

  let input: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    input = JSON.parse((await readBody(request)).toString("utf8")) as typeof input;
  } catch {
    return answer(400, errorBody(400, "Problems parsing JSON"));
  }
  record.body = input;
  if (typeof input.query !== "string" || input.query.trim() === "") return answer(200, { errors: [{ message: "A query attribute must be specified and must be a string." }] });
  const variables = (input.variables ?? {}) as Record<string, unknown>;

  const graphql = await import("graphql");
  const schema = await githubSchema();
  let document: DocumentNode;
  try {
    document = graphql.parse(input.query);
  } catch (error) {
    const syntax = error as GraphQLError;
    return answer(200, { errors: [{ message: syntax.message, locations: syntax.locations }] });
  }
  const invalid = graphql.validate(schema, document);
  if (invalid.length > 0) return answer(200, { errors: invalid.map(githubError) });

  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === graphql.Kind.OPERATION_DEFINITION);
  const fields = operation?.selectionSet.selections.map((selection) => (selection.kind === graphql.Kind.FIELD ? selection.name.value : "…")) ?? [];
  const unserved = fields.filter((name) => !SERVED.has(name) && name !== "__typename");
  if (operation?.operation !== "mutation" || unserved.length > 0) {
    return answer(200, {
      errors: [
        { type: "NOT_SERVED", message: `The GitHub stand-in does not serve ${unserved.join(", ") || operation?.operation || "this operation"} (only ${[...SERVED].join(", ")})` },
      ],
    });
  }
  if (identity.readOnly) return answer(200, { data: null, errors: [{ type: "FORBIDDEN", message: "Resource not accessible by integration", path: fields }] });

  const draftMutation = (name: DraftMutation["mutation"], draft: boolean) => (args: { input: { pullRequestId: string } }) => {
    const found = findPull(endpoint.state, args.input.pullRequestId);
    if (!found) throw new graphql.GraphQLError(`Could not resolve to a node with the global id of '${args.input.pullRequestId}'`, { extensions: { type: "NOT_FOUND" } });
    const pull = found.issue.pullRequest;
    if (!pull) throw new Error("unreachable: findPull returns pull requests");
    if (found.issue.state === "closed" && !draft) throw new graphql.GraphQLError("Pull request is closed", { extensions: { type: "UNPROCESSABLE" } });
    pull.draft = draft;
    found.issue.updatedAt = timestamp();
    endpoint.draftMutations.push({ mutation: name, owner: found.repo.owner, repo: found.repo.name, pullNumber: found.issue.number, draft, login: identity.login });
    return { clientMutationId: null, pullRequest: pullRequestNode(found.repo, found.issue, endpoint.webUrl) };
  };
  const result = await graphql.execute({
    schema,
    document,
    variableValues: variables,
    operationName: typeof input.operationName === "string" ? input.operationName : undefined,
    rootValue: {
      markPullRequestReadyForReview: draftMutation("markPullRequestReadyForReview", false),
      convertPullRequestToDraft: draftMutation("convertPullRequestToDraft", true),
    },
  });
  answer(200, { ...(result.data !== undefined ? { data: result.data } : {}), ...(result.errors ? { errors: result.errors.map(githubError) } : {}) });
}

/** GitHub's error entries: the message, where it is, and a `type` (NOT_FOUND, FORBIDDEN, …) when there is one. */
function githubError(error: GraphQLError): GraphqlError {
  const type = error.extensions?.type;
  return {
    message: error.message,
    ...(typeof type === "string" ? { type } : {}),
    ...(error.path ? { path: error.path } : {}),
    ...(error.locations ? { locations: error.locations } : {}),
  };
}

function findPull(state: GitHubState, nodeId: string): { repo: RepoState; issue: IssueState } | undefined {
  for (const repo of state.repos.values()) {
    for (const issue of repo.issues.values()) if (issue.pullRequest?.nodeId === nodeId) return { repo, issue };
  }
  return undefined;
}

/** The PullRequest fields a caller is likely to select; others resolve to null (an error when non-null). */
function pullRequestNode(repo: RepoState, issue: IssueState, web: string): Record<string, unknown> {
  const repoWeb = `${web}/${repo.owner}/${repo.name}`;
  return {
    id: issue.pullRequest?.nodeId,
    number: issue.number,
    title: issue.title,
    isDraft: issue.pullRequest?.draft ?? false,
    state: issue.state === "open" ? "OPEN" : "CLOSED",
    closed: issue.state === "closed",
    merged: issue.pullRequest?.merged ?? false,
    headRefName: issue.pullRequest?.headRef,
    baseRefName: issue.pullRequest?.baseRef,
    updatedAt: issue.updatedAt,
    createdAt: issue.createdAt,
    url: `${repoWeb}/pull/${issue.number}`,
    __typename: "PullRequest",
  };
}
