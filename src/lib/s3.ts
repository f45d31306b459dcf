// Media object storage: S3 through @aws-sdk/client-s3 and its presigner. With S3_ENDPOINT unset,
// an embedded S3-compatible server (s3rver) runs on loopback and stores under DATA_DIR/s3, so
// `bun run dev` needs nothing installed. Note: s3rver does not enforce the signed Content-Length /
// Content-Type of a presigned PUT; confirmUpload re-checks size and type on the server either way.
//
// Every client is built by s3Client(): checksums only WHEN_REQUIRED (since 3.729 the SDK's default
// signs the CRC32 of an *empty* body into presigned PUT URLs, which S3/R2/MinIO then refuse for any
// real upload), and short timeouts with 2 attempts, so an unreachable store fails a call in about a
// second instead of hanging it. A store that cannot be reached (no HTTP answer, or a 5xx) surfaces
// as AppError SERVICE_UNAVAILABLE / STORAGE_UNAVAILABLE, never as a bare 500.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutBucketCorsCommand, PutObjectCommand, S3Client, type CORSRule, type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Env } from "../env";
import { AppError } from "./errors";
import type { Logger } from "./logger";

export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
/** Where this app serves objects itself (GET /media/<key>, src/app.ts). */
export const MEDIA_ROUTE = "/media";
/** Seconds a client should wait before retrying when the store is down. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** Client timeouts: TCP connect, and socket inactivity once connected (ms). */
const CONNECTION_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** The reachability probe: its own deadline, and how long its answer is kept. */
const PROBE_TIMEOUT_MS = 1_500;
const PROBE_UP_TTL_MS = 5_000;
/** Short: while the store is down, one probe per half second (single-flight) finds it back quickly. */
const PROBE_DOWN_TTL_MS = 500;
/** How long GET /media waits for the store's response headers. */
const FETCH_HEADERS_TIMEOUT_MS = 5_000;

export interface ObjectHead {
  size: number;
  contentType: string | null;
}

export interface MediaStore {
  kind: "embedded" | "s3";
  bucket: string;
  /** Public base URL of objects (the CDN, or this app's /media), without a trailing slash. */
  publicBaseUrl: string;
  /** Whether the store enforces the signed Content-Length / Content-Type of a presigned PUT. */
  enforcesPresignedConditions: boolean;
  publicUrl(key: string): string;
  /** The key behind one of our public URLs, or null for anything else. */
  keyOfUrl(url: string): string | null;
  presignPut(key: string, contentType: string, size: number, expiresInSeconds: number): Promise<{ url: string; headers: Record<string, string> }>;
  /** A presigned GET that downloads the object as an attachment named `fileName` (signed locally: no round trip). */
  presignGet(key: string, expiresInSeconds: number, opts: { fileName: string; contentType: string }): Promise<string>;
  head(key: string): Promise<ObjectHead | null>;
  /** The first `bytes` bytes (a ranged GET). */
  readStart(key: string, bytes: number): Promise<Uint8Array>;
  read(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key under a prefix with its last-modified time. */
  list(prefix: string): AsyncGenerator<{ key: string; lastModified: Date | null }>;
  /**
   * The store's own HTTP answer for one object (GET or HEAD; Range and conditional headers passed
   * on), its body streamed: what GET /media relays. Throws STORAGE_UNAVAILABLE when unreachable.
   */
  fetchObject(key: string, method: "GET" | "HEAD", headers: Headers): Promise<Response>;
  /** Whether the store answers (HEAD on the bucket, ≤ 1.5 s; the answer is cached a few seconds). */
  available(): Promise<boolean>;
  close(): Promise<void>;
}

export function storageUnavailable(cause?: unknown): AppError {
  return new AppError("SERVICE_UNAVAILABLE", "Media storage is unavailable, please retry", {
    appCode: "STORAGE_UNAVAILABLE",
    details: { retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS },
    cause,
  });
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** No HTTP answer at all (refused, reset, timed out, aborted) or a 5xx: the store is not serving. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof AppError) return false;
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/** Every S3Client of the app: checksums only when required, short timeouts, 2 attempts. */
export function s3Client(config: Pick<S3ClientConfig, "endpoint" | "region" | "credentials">): S3Client {
  return new S3Client({
    ...config,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 2,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  });
}

/** What a browser upload needs from the bucket: the app's origins may PUT/POST/GET/HEAD, read ETag. */
export function bucketCorsRule(origins: string[]): CORSRule {
  return {
    AllowedOrigins: origins,
    AllowedMethods: ["PUT", "POST", "GET", "HEAD"],
    // What the upload sends besides the CORS-safelisted ones (Content-Length is set by the browser).
    AllowedHeaders: ["content-type", "cache-control"],
    ExposeHeaders: ["ETag"],
    MaxAgeSeconds: 3600,
  };
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The same rule as S3's CORSConfiguration XML (s3rver's configureBuckets takes this). */
export function bucketCorsXml(origins: string[]): string {
  const rule = bucketCorsRule(origins);
  const el = (name: string, values: string[] = []) => values.map((v) => `<${name}>${xmlEscape(v)}</${name}>`).join("");
  return `<CORSConfiguration><CORSRule>${el("AllowedOrigin", rule.AllowedOrigins)}${el("AllowedMethod", rule.AllowedMethods)}`
    + `${el("AllowedHeader", rule.AllowedHeaders)}${el("ExposeHeader", rule.ExposeHeaders)}<MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}

/** Request headers GET /media passes on to the store. */
const FORWARDED_HEADERS = ["range", "if-range", "if-none-match", "if-modified-since", "if-match", "if-unmodified-since"];

interface StoreConfig {
  kind: MediaStore["kind"];
  client: S3Client;
  bucket: string;
  publicBaseUrl: string;
  enforces: boolean;
  close: () => Promise<void>;
}

function storeFor({ kind, client, bucket, publicBaseUrl, enforces, close }: StoreConfig): MediaStore {
  const base = publicBaseUrl.replace(/\/+$/, "");
  let probe: { until: number; up: boolean } | null = null;
  let probing: Promise<boolean> | null = null;

  /** client.send with the store's outages turned into STORAGE_UNAVAILABLE (and remembered by the probe). */
  async function send<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      probe = { until: Date.now() + PROBE_DOWN_TTL_MS, up: false };
      throw storageUnavailable(error);
    }
  }

  const store: MediaStore = {
    kind,
    bucket,
    publicBaseUrl: base,
    enforcesPresignedConditions: enforces,
    publicUrl: (key) => `${base}/${key.split("/").map(encodeURIComponent).join("/")}`,
    keyOfUrl(url) {
      if (!url.startsWith(`${base}/`)) return null;
      try {
        return url.slice(base.length + 1).split("/").map(decodeURIComponent).join("/");
      } catch {
        return null;
      }
    },
    async presignPut(key, contentType, size, expiresIn) {
      const command = new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size, CacheControl: IMMUTABLE_CACHE_CONTROL });
      const url = await getSignedUrl(client, command, {
        expiresIn,
        // Signing these makes S3 refuse a body of another length or type.
        signableHeaders: new Set(["content-type", "content-length", "cache-control"]),
      });
      return { url, headers: { "Content-Type": contentType, "Content-Length": String(size), "Cache-Control": IMMUTABLE_CACHE_CONTROL } };
    },
    presignGet(key, expiresIn, opts) {
      const command = new GetObjectCommand({
        Bucket: bucket, Key: key, ResponseContentType: opts.contentType,
        ResponseContentDisposition: `attachment; filename="${opts.fileName.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      });
      return getSignedUrl(client, command, { expiresIn });
    },
    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: Number(out.ContentLength ?? 0), contentType: out.ContentType ?? null };
      } catch (error) {
        if (statusOf(error) === 404 || (error as { name?: string }).name === "NotFound") return null;
        return send(() => Promise.reject(error));
      }
    },
    async readStart(key, bytes) {
      const out = await send(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` })));
      return new Uint8Array(await send(() => out.Body!.transformToByteArray()));
    },
    async read(key) {
      const out = await send(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
      return new Uint8Array(await send(() => out.Body!.transformToByteArray()));
    },
    async put(key, body, contentType) {
      await send(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, CacheControl: IMMUTABLE_CACHE_CONTROL })));
    },
    async delete(key) {
      await send(() => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    },
    async *list(prefix) {
      let token: string | undefined;
      do {
        const out = await send(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })));
        for (const o of out.Contents ?? []) if (o.Key) yield { key: o.Key, lastModified: o.LastModified ?? null };
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    },
    async fetchObject(key, method, headers) {
      // A presigned URL (60 s) fetched with fetch(): the body streams through untouched, with
      // no SDK socket-idle timeout cutting a slow reader off. HEAD needs a HEAD-signed URL.
      const command = method === "HEAD" ? new HeadObjectCommand({ Bucket: bucket, Key: key }) : new GetObjectCommand({ Bucket: bucket, Key: key });
      const url = await getSignedUrl(client, command, { expiresIn: 60 });
      const forwarded = new Headers();
      for (const name of FORWARDED_HEADERS) {
        const value = headers.get(name);
        if (value !== null) forwarded.set(name, value);
      }
      // s3rver reads a suffix range ("the last n bytes") as "the first n + 1": resolve it first.
      const suffix = kind === "embedded" ? /^bytes=-(\d+)$/.exec(forwarded.get("range") ?? "") : null;
      if (suffix) {
        const object = await store.head(key);
        if (object && object.size > 0) forwarded.set("range", `bytes=${Math.max(0, object.size - Number(suffix[1]))}-`);
      }
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), FETCH_HEADERS_TIMEOUT_MS);
      try {
        const res = await fetch(url, { method, headers: forwarded, signal: abort.signal, redirect: "manual" });
        if (res.status >= 500) {
          await res.body?.cancel();
          throw storageUnavailable(new Error(`store answered ${res.status}`));
        }
        return res;
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw storageUnavailable(error);
      } finally {
        clearTimeout(timer); // the headers are in: the body may take as long as the reader does
      }
    },
    available() {
      if (probe && probe.until > Date.now()) return Promise.resolve(probe.up);
      probing ??= client
        .send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
        .then(() => true)
        // A 403/404 is an answer: the store is up (a key without s3:ListBucket gets 403 here).
        .catch((error) => !isUnavailable(error))
        .then((up) => {
          probe = { until: Date.now() + (up ? PROBE_UP_TTL_MS : PROBE_DOWN_TTL_MS), up };
          return up;
        })
        .finally(() => {
          probing = null;
        });
      return probing;
    },
    close,
  };
  return store;
}

/**
 * The bucket as the app needs it: created when missing, and (when asked) with our CORS rule. Never
 * fatal: an unreachable store at start leaves the server up (media calls answer 503 until it is
 * back); a refused permission is logged with what to do instead.
 */
async function prepareBucket(client: S3Client, bucket: string, log: Logger, cors: string[] | null): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS * 2) });
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        log.info({ bucket }, "created the media bucket");
      } catch (createError) {
        log.error({ bucket, err: createError }, "the media bucket does not exist and could not be created (s3:CreateBucket)");
      }
    } else if (isUnavailable(error)) {
      log.warn({ bucket, err: error }, "media storage unreachable at start: media calls answer 503 STORAGE_UNAVAILABLE until it is back");
      return;
    } else {
      log.warn({ bucket, status }, "HeadBucket refused (the key may lack s3:ListBucket); assuming the bucket exists");
    }
  }
  if (!cors) return;
  const rule = bucketCorsRule(cors);
  try {
    await client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [rule] } }));
    log.info({ bucket, origins: cors }, "applied the bucket CORS rule (S3_CONFIGURE_BUCKET)");
  } catch (error) {
    log.error(
      { bucket, err: error, corsRule: rule },
      "could not apply the bucket CORS rule (S3_CONFIGURE_BUCKET needs s3:PutBucketCORS): browsers cannot upload until the rule in corsRule is set on the bucket by other means",
    );
  }
}

export interface MediaStoreOptions {
  /** Where the embedded S3 server keeps objects (default DATA_DIR/s3). */
  dataDir?: string;
  /** This app's public URL; objects served through GET /media get `${appUrl}/media/<key>`. Default PUBLIC_APP_URL. */
  appUrl?: string;
}

/** S3 from S3_* settings, or the embedded s3rver (under `dataDir`) when S3_ENDPOINT is unset. */
export async function openMediaStore(env: Env, log: Logger, opts: MediaStoreOptions = {}): Promise<MediaStore> {
  const appMedia = `${(opts.appUrl ?? env.PUBLIC_APP_URL).replace(/\/+$/, "")}${MEDIA_ROUTE}`;
  if (env.S3_ENDPOINT) {
    const client = s3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      credentials: env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
        : undefined,
    });
    await prepareBucket(client, env.S3_BUCKET, log, env.S3_CONFIGURE_BUCKET ? env.ALLOWED_ORIGINS : null);
    // Unset S3_PUBLIC_URL: the app serves the (private) bucket itself; a CDN is the production answer.
    const publicBase = env.S3_PUBLIC_URL ?? appMedia;
    log.info({ endpoint: env.S3_ENDPOINT, bucket: env.S3_BUCKET, publicBase }, "using S3 (S3_ENDPOINT)");
    return storeFor({ kind: "s3", client, bucket: env.S3_BUCKET, publicBaseUrl: publicBase, enforces: true, close: async () => client.destroy() });
  }
  const { default: S3rver } = await import("s3rver");
  const directory = resolve(opts.dataDir ?? join(env.DATA_DIR, "s3"));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    port: env.S3_EMBEDDED_PORT,
    address: "127.0.0.1",
    directory,
    silent: true,
    // Browsers upload straight to the presigned URL: the bucket answers CORS for ALLOWED_ORIGINS.
    configureBuckets: [{ name: env.S3_BUCKET, configs: [bucketCorsXml(env.ALLOWED_ORIGINS)] }],
  });
  const info = (await server.run()) as unknown as { port: number };
  const endpoint = `http://127.0.0.1:${info.port}`;
  const client = s3Client({ endpoint, region: env.S3_REGION, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  await prepareBucket(client, env.S3_BUCKET, log, null);
  // Its port changes with every start, so public URLs never name it: the app serves /media.
  const publicBase = env.S3_PUBLIC_URL ?? appMedia;
  log.info({ endpoint, directory, publicBase }, "S3_ENDPOINT unset: using the embedded S3-compatible server (s3rver)");
  return storeFor({
    kind: "embedded", client, bucket: env.S3_BUCKET, publicBaseUrl: publicBase, enforces: false,
    close: async () => {
      client.destroy();
      await server.close();
    },
  });
}
