import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import { timestamp } from "./state.js";

/**
 * Who a request is: a token from the allow-list (or any non-empty token when there is none), an
 * installation token the stand-in minted, or a GitHub App proving itself with an RS256 JWT.
 */
export interface TokenSpec {
  token: string;
  /** The account the token acts as (comment author, PR author). */
  login?: string;
  /** Reads work, writes answer 403 "Resource not accessible by integration". */
  readOnly?: boolean;
}

export interface AppSpec {
  id: number;
  /** PEM (SPKI or PKCS#1) or a KeyObject: the public half of the app's private key. */
  publicKey: string | KeyObject;
  slug?: string;
  /** The installation id every repository reports (unless addRepo says otherwise). Default 1. */
  installationId?: number;
}

/** `installationId` is set for installation tokens the stand-in minted (the apps/installation routes need it). */
export type Identity = { kind: "token"; login: string; readOnly: boolean; installationId?: number } | { kind: "app"; appId: number };

export type AuthOutcome = { ok: true; identity: Identity } | { ok: false; status: 401 | 403; message: string };

export interface MintedToken {
  token: string;
  installationId: number;
  expiresAt: string;
}

/** The authorization header for logs: the scheme stays, the secret goes. */
export function redactAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const scheme = header.trim().split(/\s+/)[0] ?? "";
  return `${scheme} [redacted]`;
}

export function parseAuthorization(header: string | undefined): { scheme: "token" | "bearer" | "basic"; value: string } | undefined {
  const match = /^\s*(token|bearer|basic)\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  return { scheme: (match[1] ?? "").toLowerCase() as "token" | "bearer" | "basic", value: match[2] ?? "" };
}

/** `x-access-token:<token>` (any user name works on GitHub; the password is the token). */
export function parseBasic(value: string): { user: string; password: string } | undefined {
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class TokenRegistry {
  private readonly allowed: Map<string, TokenSpec> | undefined;
  readonly minted: MintedToken[] = [];
  private readonly mintedLogins = new Map<string, string>();

  constructor(
    tokens: Array<string | TokenSpec> | undefined,
    private readonly defaultLogin: string,
  ) {
    this.allowed = tokens ? new Map(tokens.map((spec) => (typeof spec === "string" ? [spec, { token: spec }] : [spec.token, spec]))) : undefined;
  }

  identify(token: string): Identity | undefined {
    if (token === "") return undefined;
    const minted = this.minted.find((candidate) => candidate.token === token);
    if (minted) {
      return Date.parse(minted.expiresAt) > Date.now()
        ? { kind: "token", login: this.mintedLogins.get(token) ?? this.defaultLogin, readOnly: false, installationId: minted.installationId }
        : undefined;
    }
    if (!this.allowed) return { kind: "token", login: this.defaultLogin, readOnly: false };
    const spec = this.allowed.get(token);
    return spec ? { kind: "token", login: spec.login ?? this.defaultLogin, readOnly: spec.readOnly ?? false } : undefined;
  }

  mint(installationId: number, login: string): MintedToken {
    const token: MintedToken = { token: `ghs_${randomBytes(18).toString("hex")}`, installationId, expiresAt: timestamp(new Date(Date.now() + 3600_000)) };
    this.minted.push(token);
    this.mintedLogins.set(token.token, login);
    return token;
  }
}

/** GitHub's checks on an app JWT: RS256 signature by the app's key, `iss` = app id, short-lived, not expired. */
export function verifyAppJwt(jwt: string, app: AppSpec | undefined, nowSeconds = Math.floor(Date.now() / 1000)): { ok: true; appId: number } | { ok: false; message: string } {
  const undecodable = { ok: false as const, message: "A JSON web token could not be decoded" };
  if (!app) return undecodable;
  const parts = jwt.split(".");
  if (parts.length !== 3) return undecodable;
  const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (!header || !payload || header.alg !== "RS256") return undecodable;
  const key = typeof app.publicKey === "string" ? createPublicKey(app.publicKey) : app.publicKey;
  const signed = verify("RSA-SHA256", Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, "base64url"));
  if (!signed) return undecodable;
  const { iat, exp, iss } = payload;
  if (typeof exp !== "number" || exp <= nowSeconds) {
    return { ok: false, message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires." };
  }
  if (exp - nowSeconds > 600 + 5) return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future." };
  if (typeof iat !== "number" || iat > nowSeconds + 60)
    return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued." };
  if (String(iss) !== String(app.id)) return { ok: false, message: "Integration not found" };
  return { ok: true, appId: app.id };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}
