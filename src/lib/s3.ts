// Media object storage: S3 through @aws-sdk/client-s3 and its presigner. With S3_ENDPOINT unset,
// an embedded S3-compatible server (s3rver) runs on loopback and stores under DATA_DIR/s3, so
// `bun run dev` needs nothing installed. Note: s3rver does not enforce the signed Content-Length
// of a presigned PUT; confirmUpload re-checks size and type on the server either way.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Env } from "../env";
import type { Logger } from "./logger";

export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

export interface ObjectHead {
  size: number;
  contentType: string | null;
}

export interface MediaStore {
  bucket: string;
  /** Public base URL of objects (the CDN in production), without a trailing slash. */
  publicBaseUrl: string;
  /** Whether the store enforces the signed Content-Length / Content-Type of a presigned PUT. */
  enforcesPresignedConditions: boolean;
  publicUrl(key: string): string;
  /** The key behind one of our public URLs, or null for anything else. */
  keyOfUrl(url: string): string | null;
  presignPut(key: string, contentType: string, size: number, expiresInSeconds: number): Promise<{ url: string; headers: Record<string, string> }>;
  head(key: string): Promise<ObjectHead | null>;
  /** The first `bytes` bytes (a ranged GET). */
  readStart(key: string, bytes: number): Promise<Uint8Array>;
  read(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key under a prefix with its last-modified time. */
  list(prefix: string): AsyncGenerator<{ key: string; lastModified: Date | null }>;
  close(): Promise<void>;
}

function storeFor(client: S3Client, bucket: string, publicBaseUrl: string, enforces: boolean, close: () => Promise<void>): MediaStore {
  const base = publicBaseUrl.replace(/\/+$/, "");
  return {
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
    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: Number(out.ContentLength ?? 0), contentType: out.ContentType ?? null };
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (error as { name?: string }).name === "NotFound") return null;
        throw error;
      }
    },
    async readStart(key, bytes) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` }));
      return new Uint8Array(await out.Body!.transformToByteArray());
    },
    async read(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return new Uint8Array(await out.Body!.transformToByteArray());
    },
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, CacheControl: IMMUTABLE_CACHE_CONTROL }));
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async *list(prefix) {
      let token: string | undefined;
      do {
        const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of out.Contents ?? []) if (o.Key) yield { key: o.Key, lastModified: o.LastModified ?? null };
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    },
    close,
  };
}

async function ensureBucket(client: S3Client, bucket: string) {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** S3 from S3_* settings, or the embedded s3rver (under `dataDir`) when S3_ENDPOINT is unset. */
export async function openMediaStore(env: Env, log: Logger, opts: { dataDir?: string } = {}): Promise<MediaStore> {
  if (env.S3_ENDPOINT) {
    const client = new S3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      forcePathStyle: true,
      credentials: env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
        : undefined,
    });
    await ensureBucket(client, env.S3_BUCKET);
    const publicBase = env.S3_PUBLIC_URL ?? `${env.S3_ENDPOINT.replace(/\/+$/, "")}/${env.S3_BUCKET}`;
    log.info({ endpoint: env.S3_ENDPOINT, bucket: env.S3_BUCKET }, "using S3 (S3_ENDPOINT)");
    return storeFor(client, env.S3_BUCKET, publicBase, true, async () => client.destroy());
  }
  const { default: S3rver } = await import("s3rver");
  const directory = resolve(opts.dataDir ?? join(env.DATA_DIR, "s3"));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port: 0, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: env.S3_BUCKET, configs: [] }] });
  const info = (await server.run()) as unknown as { port: number };
  const endpoint = `http://127.0.0.1:${info.port}`;
  const client = new S3Client({ endpoint, region: env.S3_REGION, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  await ensureBucket(client, env.S3_BUCKET);
  log.info({ endpoint, directory }, "S3_ENDPOINT unset: using the embedded S3-compatible server (s3rver)");
  return storeFor(client, env.S3_BUCKET, env.S3_PUBLIC_URL ?? `${endpoint}/${env.S3_BUCKET}`, false, async () => {
    client.destroy();
    await server.close();
  });
}
