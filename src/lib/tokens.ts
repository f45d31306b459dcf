import { createHash, randomBytes } from "node:crypto";

/** 256 bits from the OS CSPRNG, URL-safe. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What we store instead of a token: a leaked table cannot be replayed. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
