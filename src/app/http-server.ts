import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "probot";
import { describeError } from "../core/errors.js";
import type { JobQueue } from "./job-queue.js";

/**
 * The app's HTTP server: Probot's webhook middleware plus the operator routes. Ours rather than Probot's
 * `run()` so that host, port and the extra routes are under our control (and no setup wizard appears).
 *   GET /health   liveness: the process answers.
 *   GET /ready    readiness: the queue can take jobs (Redis answers, not shutting down); else 503.
 *   GET /metrics  job counts as JSON (queued, running, completed, failed).
 */
export type NodeMiddleware = (request: IncomingMessage, response: ServerResponse, next?: () => void) => boolean | void | Promise<boolean | void>;

export function createAppServer(webhooks: NodeMiddleware, queue: JobQueue, log: Logger): Server {
  return createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      log.error({ err: error }, `request ${request.method} ${request.url} failed: ${describeError(error)}`);
      if (!response.headersSent) json(response, 500, { error: "internal error" });
      else response.end();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://app").pathname;
    if (request.method === "GET" && path === "/health") return json(response, 200, { status: "ok" });
    if (request.method === "GET" && path === "/ready") {
      const ready = await queue.ready();
      return json(response, ready ? 200 : 503, { status: ready ? "ready" : "unavailable", queue: queue.mode });
    }
    if (request.method === "GET" && path === "/metrics") {
      const counts = await queue.counts().catch(() => undefined);
      return json(response, counts ? 200 : 503, { queue: queue.mode, ...(counts ? { jobs: counts } : { error: "queue unavailable" }) });
    }
    const handled = (await webhooks(request, response)) === true;
    if (!handled && !response.headersSent) json(response, 404, { error: `not found: ${request.method} ${path}` });
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}
