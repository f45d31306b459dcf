// Creates the test bucket on the S3 named by TEST_S3_* (idempotent) and warms it with one
// put/delete, so the gateway's index and data pools exist before the first test. Retries while a
// freshly started RADOS Gateway settles. Used by .ci/ceph-rgw.sh; `--quiet` prints nothing.
//   TEST_S3_ENDPOINT=… TEST_S3_BUCKET=… TEST_S3_ACCESS_KEY_ID=… TEST_S3_SECRET_ACCESS_KEY=… bun .ci/ceph-bucket.ts
import {
  CreateBucketCommand, DeleteObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const quiet = process.argv.includes("--quiet");
const endpoint = need("TEST_S3_ENDPOINT");
const bucket = need("TEST_S3_BUCKET");
const client = new S3Client({
  endpoint,
  region: process.env.TEST_S3_REGION ?? "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: need("TEST_S3_ACCESS_KEY_ID"), secretAccessKey: need("TEST_S3_SECRET_ACCESS_KEY") },
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
  maxAttempts: 1,
});

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

async function ensureBucket(): Promise<"exists" | "created"> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return "exists";
  } catch (e) {
    if (status(e) !== 404) throw e;
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if ((e as { name?: string }).name !== "BucketAlreadyOwnedByYou") throw e;
  }
  return "created";
}

const started = Date.now();
const deadline = started + Number(process.env.CEPH_BUCKET_TIMEOUT_MS ?? 30_000);
let lastError: unknown;
for (;;) {
  try {
    const how = await ensureBucket();
    const key = ".ci-warmup";
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "warm", ContentType: "text/plain" }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    if (!quiet) console.log(`[ceph-bucket] bucket ${bucket} ${how} on ${endpoint}`);
    break;
  } catch (e) {
    lastError = e;
    // Connection refused, 5xx: retried until the deadline; a 403 (wrong key) only for 5 s.
    if ((status(e) === 403 && Date.now() > started + 5_000) || Date.now() > deadline) {
      if (!quiet) console.error(`[ceph-bucket] ${bucket} on ${endpoint}:`, lastError);
      process.exit(1);
    }
    await Bun.sleep(200);
  }
}
client.destroy();
