/**
 * Fault injection for the stand-in's REST API: the next matching request(s) get an error status instead
 * of their answer. With `performFirst` the request still takes effect and only the answer is lost (a
 * 502 after the pull request was created), which is what idempotent retries must survive.
 */
export interface FaultOptions {
  /** How many matching requests fail. Default 1. */
  times?: number;
  /** Apply the request (create the PR, post the comment) and then answer with the error. */
  performFirst?: boolean;
  /** The error body; default GitHub's `{message, documentation_url}` for the status. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Fault {
  method: string;
  pattern: string | RegExp;
  status: number;
  remaining: number;
  performFirst: boolean;
  body: unknown;
  headers: Record<string, string>;
}

export class FaultInjector {
  readonly faults: Fault[] = [];

  add(method: string, pattern: string | RegExp, status: number, options: FaultOptions | number = {}): void {
    const { times = 1, performFirst = false, body, headers = {} } = typeof options === "number" ? { times: options } : options;
    this.faults.push({ method: method.toUpperCase(), pattern, status, remaining: times, performFirst, body, headers });
  }

  /** The fault for this request, used up by one; undefined when none matches. */
  take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((candidate) => candidate.remaining > 0 && candidate.method === method.toUpperCase() && matches(candidate.pattern, path));
    if (fault) fault.remaining -= 1;
    return fault;
  }

  /** Faults that were configured but not (fully) triggered, for a test's final check. */
  pending(): Fault[] {
    return this.faults.filter((fault) => fault.remaining > 0);
  }
}

/** A RegExp, an exact path, or a template whose `{name}` segments match any one segment (`*` too). */
export function matches(pattern: string | RegExp, path: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(path);
  const expected = pattern.replace(/^\/+|\/+$/g, "").split("/");
  const actual = path.replace(/^\/+|\/+$/g, "").split("/");
  return expected.length === actual.length && expected.every((segment, index) => segment === "*" || /^\{[^}]+\}$/.test(segment) || segment === actual[index]);
}
