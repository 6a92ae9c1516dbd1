import { createServer, request as forward, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy in front of a server that holds every request until `release()`: with it in front of the
 * GitHub stand-in, anything that waits for a GitHub answer cannot finish, and `arrived` counts what was asked.
 */
export interface HeldProxy {
  /** host:port, for GHE_HOST. */
  host: string;
  /** Requests that reached the proxy so far (held or forwarded). */
  arrived(): number;
  release(): void;
  close(): Promise<void>;
}

export async function startHeldProxy(targetUrl: string): Promise<HeldProxy> {
  const target = new URL(targetUrl);
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const pass = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const upstream = forward(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on("error", () => outgoing.destroy());
    incoming.pipe(upstream);
  };
  const server = createServer((incoming, outgoing) => {
    arrived++;
    incoming.pause();
    void released.then(() => {
      incoming.resume();
      pass(incoming, outgoing);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: () => arrived,
    release,
    close: () =>
      new Promise((resolve) => {
        release();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
