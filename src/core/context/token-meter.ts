import { countTokens, tokenCeiling } from "../model/token-count.js";

/**
 * How the repository context measures text. A context is first built with ceilings (`tokenCeiling`: the
 * UTF-8 bytes, free); when a ceiling decided against anything — a file cut or left out, a shorter tree, a
 * trim — the verdict may be the ceiling's fault, and the context is built again with exact counts. So the
 * context is always the one exact counting would choose, and a repository whose context fits byte for byte
 * never needs the tokenizer's tables (~0.5 s of CPU).
 */
export class TokenMeter {
  private ceilingSaidNo = false;

  private constructor(readonly exact: boolean) {}

  static ceilings(): TokenMeter {
    return new TokenMeter(false);
  }

  static exactCounts(): TokenMeter {
    return new TokenMeter(true);
  }

  count(text: string): Promise<number> | number {
    return this.exact ? countTokens(text) : tokenCeiling(text);
  }

  /** `tokens <= limit`. A "no" measured with ceilings is not final: see `mustRecount`. */
  fits(tokens: number, limit: number): boolean {
    const fits = tokens <= limit;
    if (!fits && !this.exact) this.ceilingSaidNo = true;
    return fits;
  }

  /** A ceiling decided something exact counts might decide otherwise. */
  get mustRecount(): boolean {
    return this.ceilingSaidNo;
  }
}
