import type { IncomingMessage, ServerResponse } from "node:http";
import type { OpenApiValidator, OperationMatch } from "../openapi-validator.js";
import { looksLikeJwt, parseAuthorization, verifyAppJwt, type AppSpec, type Identity, type TokenRegistry } from "./auth.js";
import type { FaultInjector } from "./faults.js";
import { errorBody, HttpError, readBody, sendJson } from "./http-util.js";
import type { Reply, Route } from "./rest-routes.js";

/**
 * One REST request through the stand-in: parse → check against GitHub's OpenAPI description (a mismatch is
 * a recorded violation and a 400) → authenticate → injected fault → handler → check the answer against
 * the response schema (a mismatch is the stand-in's own bug, recorded apart).
 */
export interface RecordedRequest {
  kind: "api" | "git" | "graphql";
  method: string;
  /** API path relative to apiUrl (`/repos/o/r/pulls`), or the git path (`/o/r.git/info/refs`). */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** Lower-cased names; `authorization` keeps only its scheme. */
  headers: Record<string, string>;
  operationId?: string;
  status?: number;
  /** When the request arrived (epoch ms): for benchmarks that time GitHub's share of a run, never for assertions. */
  receivedAt?: number;
  /** When the answer was fully handed to the socket (epoch ms, response "finish"): benchmarks only, like receivedAt. */
  answeredAt?: number;
}

export interface Violation {
  method: string;
  path: string;
  operationId: string | undefined;
  problems: string[];
}

export interface ApiEndpoint {
  validator: OpenApiValidator;
  routes: Map<string, Route>;
  tokens: TokenRegistry;
  app: AppSpec | undefined;
  faults: FaultInjector;
  /** Waits before an answer is sent (answers a test holds back); performed requests stay performed. */
  hold?: (method: string, path: string) => Promise<void>;
  violations: Violation[];
  responseViolations: Violation[];
}

export async function handleApiRequest(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  apiPath: string,
  record: RecordedRequest,
  endpoint: ApiEndpoint,
): Promise<void> {
  const raw = await readBody(request);
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    record.status = status;
    sendJson(response, status, body, headers);
  };
  let body: unknown;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      endpoint.violations.push({ method: record.method, path: apiPath, operationId: undefined, problems: ["request body is not JSON"] });
      return answer(400, errorBody(400, "Problems parsing JSON"));
    }
  }
  record.body = body;

  const check = endpoint.validator.checkRequest({ method: record.method, path: apiPath, query: record.query, body });
  if (check.operation) record.operationId = check.operation.operationId;
  if (!check.ok) {
    endpoint.violations.push({ method: record.method, path: apiPath, operationId: check.operation?.operationId, problems: check.problems });
    return answer(400, errorBody(400, `GitHub stand-in: the request does not match GitHub's OpenAPI description: ${check.problems.join("; ")}`, { problems: check.problems }));
  }
  const operation = check.operation;
  const route = endpoint.routes.get(operation.operationId);
  if (!route) return answer(501, errorBody(501, `GitHub stand-in: ${operation.operationId} is in the fixture but has no handler`));

  const auth = authenticate(request.headers.authorization, route, endpoint);
  if (!auth.ok) return answer(auth.status, errorBody(auth.status, auth.message));

  const fault = endpoint.faults.take(record.method, apiPath);
  if (fault && !fault.performFirst) return answer(fault.status, fault.body ?? errorBody(fault.status, defaultFaultMessage(fault.status)), fault.headers);

  let reply: Reply;
  try {
    reply = await route.handle({ params: operation.params, query: record.query, body, url, accept: String(request.headers.accept ?? ""), identity: auth.identity });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    if (fault) return answer(fault.status, fault.body ?? errorBody(fault.status, defaultFaultMessage(fault.status)), fault.headers);
    return answer(error.status, errorBody(error.status, error.message, error.extra));
  }
  if (fault) return answer(fault.status, fault.body ?? errorBody(fault.status, defaultFaultMessage(fault.status)), fault.headers);
  await endpoint.hold?.(record.method, apiPath);

  if (reply.raw) {
    record.status = reply.status;
    response.writeHead(reply.status, { "content-type": reply.raw.contentType, ...reply.headers });
    response.end(reply.raw.data);
    return;
  }
  checkOwnResponse(endpoint, operation, record, apiPath, reply);
  answer(reply.status, reply.body, reply.headers);
}

type AuthResult = { ok: true; identity: Identity } | { ok: false; status: 401 | 403; message: string };

function authenticate(header: string | undefined, route: Route, endpoint: ApiEndpoint): AuthResult {
  const credential = parseAuthorization(header);
  if (!credential || credential.scheme === "basic") return { ok: false, status: 401, message: "Requires authentication" };
  const jwt = credential.scheme === "bearer" && looksLikeJwt(credential.value);
  if (route.auth === "app") {
    if (!jwt) return { ok: false, status: 401, message: "A JSON web token could not be decoded" };
    const verified = verifyAppJwt(credential.value, endpoint.app);
    return verified.ok ? { ok: true, identity: { kind: "app", appId: verified.appId } } : { ok: false, status: 401, message: verified.message };
  }
  if (jwt) return { ok: false, status: 403, message: "Resource not accessible by integration" };
  const identity = endpoint.tokens.identify(credential.value);
  if (!identity) return { ok: false, status: 401, message: "Bad credentials" };
  if (route.write && identity.kind === "token" && identity.readOnly) return { ok: false, status: 403, message: "Resource not accessible by integration" };
  return { ok: true, identity };
}

function checkOwnResponse(endpoint: ApiEndpoint, operation: OperationMatch, record: RecordedRequest, apiPath: string, reply: Reply): void {
  if (reply.status < 200 || reply.status >= 300) return;
  const problems = endpoint.validator.checkResponse(operation, reply.status, reply.body);
  if (problems.length > 0) endpoint.responseViolations.push({ method: record.method, path: apiPath, operationId: operation.operationId, problems });
}

function defaultFaultMessage(status: number): string {
  if (status === 502) return "Server Error";
  if (status === 503) return "Service Unavailable";
  if (status === 429 || status === 403) return "API rate limit exceeded";
  return status >= 500 ? "Internal Server Error" : "Injected failure";
}
