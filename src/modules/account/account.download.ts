// Download URLs of export archives: a presigned GET (DOWNLOAD_URL_SECONDS) on the media store's
// bucket, handed only to the archive's owner by account.exports. Archives are never public: GET
// /media serves only the upload layout (users/<id>/posts|profile/…), and the key carries 128 random
// bits, so a CDN in front of the bucket cannot be walked to one either.
//
// MediaStore (src/lib/s3.ts) signs PUTs but has no presigned GET of its own. When it gains one
// (`presignGet(key, expiresInSeconds, { fileName, contentType })`) it is used; until then this file
// signs with a client of the store's own endpoint, bucket and credentials: S3_* for a real S3, and
// for the embedded s3rver the endpoint of one of its presigned PUT URLs (signing makes no request)
// with s3rver's fixed credentials. Signing is local: no round trip per URL.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Env } from "../../env";
import { s3Client, type MediaStore } from "../../lib/s3";

interface DownloadOptions {
  /** The file name a browser saves it as (Content-Disposition: attachment). */
  fileName: string;
  contentType: string;
}

type StoreWithPresignGet = MediaStore & {
  presignGet?: (key: string, expiresInSeconds: number, opts: DownloadOptions) => Promise<string>;
};

/** s3rver's built-in credentials (src/lib/s3.ts signs the embedded store's requests with them). */
const EMBEDDED_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

const signers = new WeakMap<MediaStore, Promise<S3Client>>();

async function signerFor(env: Env, media: MediaStore): Promise<S3Client> {
  if (media.kind === "s3") {
    return s3Client({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      credentials: env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
        : undefined,
    });
  }
  // Path-style URL: <endpoint>/<bucket>/<key>?X-Amz-…
  const probe = new URL((await media.presignPut("exports/.endpoint", "application/zip", 1, 60)).url);
  const at = probe.pathname.indexOf(`/${media.bucket}/`);
  const endpoint = `${probe.origin}${at > 0 ? probe.pathname.slice(0, at) : ""}`;
  return s3Client({ endpoint, region: env.S3_REGION, credentials: EMBEDDED_CREDENTIALS });
}

/** A presigned GET of one object of the media store, valid for `expiresInSeconds`. */
export async function presignDownload(
  deps: { env: Env; media: MediaStore },
  key: string,
  expiresInSeconds: number,
  opts: DownloadOptions,
): Promise<string> {
  const store = deps.media as StoreWithPresignGet;
  if (typeof store.presignGet === "function") return store.presignGet(key, expiresInSeconds, opts);
  let signer = signers.get(deps.media);
  if (!signer) {
    signer = signerFor(deps.env, deps.media);
    signers.set(deps.media, signer);
    signer.catch(() => signers.delete(deps.media));
  }
  const command = new GetObjectCommand({
    Bucket: deps.media.bucket,
    Key: key,
    ResponseContentType: opts.contentType,
    ResponseContentDisposition: `attachment; filename="${opts.fileName.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
  });
  return getSignedUrl(await signer, command, { expiresIn: expiresInSeconds });
}
