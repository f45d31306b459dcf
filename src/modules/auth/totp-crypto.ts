// TOTP secrets at rest: AES-256-GCM (node:crypto) under TOTP_ENCRYPTION_KEY (src/env.ts).
//
// Stored value (user_totp.secret_ciphertext, bytea): 12-byte random IV ‖ 16-byte GCM tag ‖
// ciphertext. Next to it, user_totp.key_id names the key: the first 16 hex characters of
// SHA-256("vrss-totp-key-id:" ‖ key), a fingerprint that says nothing usable about the key. The
// additional authenticated data binds the ciphertext to its row ("user_totp:<userId>:<keyId>"): a
// ciphertext copied onto another account does not decrypt there.
//
// Rotation (later): put the old keys into a keyring next to the current one (decrypt finds a key
// by its id) and re-encrypt rows whose key_id is not the current key's. Today the ring holds the
// one configured key, and a row under an unknown key id is a configuration error (an exception,
// logged, a 500), never a silent "2FA off".
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { Env } from "../../env";

const IV_BYTES = 12;
const TAG_BYTES = 16;

interface TotpKey {
  id: string;
  key: Buffer;
}

export interface TotpKeyring {
  current: TotpKey;
  byId: ReadonlyMap<string, TotpKey>;
}

/** The 32 bytes of a key written as 64 hex characters or base64 / base64url (src/env.ts validated it). */
export function decodeTotpKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) throw new Error("TOTP_ENCRYPTION_KEY must decode to 32 bytes");
  return key;
}

export function totpKeyId(key: Buffer): string {
  return createHash("sha256").update("vrss-totp-key-id:").update(key).digest("hex").slice(0, 16);
}

const rings = new WeakMap<Env, TotpKeyring>();

export function totpKeyring(env: Pick<Env, "TOTP_ENCRYPTION_KEY">): TotpKeyring {
  const cached = rings.get(env as Env);
  if (cached) return cached;
  const key = decodeTotpKey(env.TOTP_ENCRYPTION_KEY);
  const current = { id: totpKeyId(key), key };
  const ring = { current, byId: new Map([[current.id, current]]) };
  rings.set(env as Env, ring);
  return ring;
}

const aad = (userId: string, keyId: string) => Buffer.from(`user_totp:${userId}:${keyId}`, "utf8");

export function encryptTotpSecret(ring: TotpKeyring, userId: string, secret: Uint8Array): { ciphertext: Buffer; keyId: string } {
  const { id, key } = ring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(userId, id));
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]), keyId: id };
}

export function decryptTotpSecret(ring: TotpKeyring, userId: string, keyId: string, ciphertext: Buffer): Buffer {
  const entry = ring.byId.get(keyId);
  if (!entry) throw new Error(`TOTP secret of user ${userId} is encrypted under key ${keyId}, which TOTP_ENCRYPTION_KEY is not`);
  if (ciphertext.length <= IV_BYTES + TAG_BYTES) throw new Error(`TOTP secret of user ${userId} is truncated`);
  const decipher = createDecipheriv("aes-256-gcm", entry.key, ciphertext.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(userId, keyId));
  decipher.setAuthTag(ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(ciphertext.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
