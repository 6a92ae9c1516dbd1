import type { IncomingMessage, ServerResponse } from "node:http";

/** GitHub's error bodies: `{message, documentation_url, status}` (plus `errors` for 422s). */
export const DOCUMENTATION_URL = "https://docs.github.com/enterprise-server@3.19/rest";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function errorBody(status: number, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { message, ...extra, documentation_url: DOCUMENTATION_URL, status: String(status) };
}

export function validationFailed(errors: Array<Record<string, unknown>>): HttpError {
  return new HttpError(422, "Validation Failed", { errors });
}

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  response.writeHead(status, {
    ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
    "x-github-media-type": "github.v3; format=json",
    "x-github-request-id": `STANDIN:${Date.now().toString(16)}`,
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    ...headers,
  });
  response.end(text);
}

/** A pagination `Link` header like GitHub's, for octokit.paginate. */
export function linkHeader(url: URL, page: number, perPage: number, total: number): string | undefined {
  const last = Math.max(1, Math.ceil(total / perPage));
  const link = (target: number, rel: string) => {
    const copy = new URL(url);
    copy.searchParams.set("per_page", String(perPage));
    copy.searchParams.set("page", String(target));
    return `<${copy.toString()}>; rel="${rel}"`;
  };
  const parts = [...(page < last ? [link(page + 1, "next"), link(last, "last")] : []), ...(page > 1 ? [link(1, "first"), link(page - 1, "prev")] : [])];
  return parts.length > 0 ? parts.join(", ") : undefined;
}
