// What does the S3 named by TEST_S3_* (the Ceph RADOS Gateway of .ci/ceph-rgw.sh) enforce?
// Presigned PUTs with signed Content-Length/Content-Type/Cache-Control (as src/lib/s3.ts makes
// them), signatures, expiry, clock skew, presigned POST policies, bucket CORS, payload hashes and
// x-amz-checksum-*. Prints a table; exits 1 when a case that a strict S3 must refuse is accepted
// (or a valid request fails). Cases marked "info" only report.
//   eval "$(.ci/ceph-rgw.sh env)" && bun .ci/ceph-check.ts
import { connect } from "node:net";
import {
  DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketCorsCommand,
  PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (eval "$(.ci/ceph-rgw.sh env)")`);
  return v;
};
const endpoint = need("TEST_S3_ENDPOINT").replace(/\/+$/, "");
const bucket = need("TEST_S3_BUCKET");
const region = process.env.TEST_S3_REGION ?? "us-east-1";
const credentials = { accessKeyId: need("TEST_S3_ACCESS_KEY_ID"), secretAccessKey: need("TEST_S3_SECRET_ACCESS_KEY") };
const makeClient = (extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) =>
  new S3Client({
    endpoint, region, forcePathStyle: true, credentials, maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED", ...extra,
  });
const client = makeClient();
const ep = new URL(endpoint);
const prefix = `ceph-check/${Date.now()}`;
const ORIGIN = "http://localhost:5173";
const CACHE = "public, max-age=31536000, immutable";
const SIGNED = new Set(["content-type", "content-length", "cache-control"]);

// ---- raw HTTP/1.1 over a socket: exact control of Content-Length, Origin, chunking ----
interface RawResponse { status: number; headers: Record<string, string>; body: string }
function raw(method: string, url: string, headers: Record<string, string>, body: Uint8Array | string = "", extra: Uint8Array | string = ""): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port || 80), u.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`timeout ${method} ${url}`)); }, 10_000);
    sock.on("connect", () => {
      const head = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, "Connection: close",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n") + "\r\n\r\n";
      sock.write(head);
      if (body.length) sock.write(body);
      if (extra.length) sock.write(extra);
    });
    sock.on("data", (d: Buffer) => chunks.push(d));
    sock.on("error", (e) => { clearTimeout(timer); reject(e); });
    sock.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const hs: Record<string, string> = {};
      for (const l of lines) { const i = l.indexOf(":"); if (i > 0) hs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim(); }
      resolve({ status: Number(statusLine.split(" ")[1] ?? 0), headers: hs, body: rest.join("\r\n\r\n") });
    });
  });
}
const code = (r: RawResponse) => r.body.match(/<Code>([^<]+)<\/Code>/)?.[1] ?? "";
const show = (r: RawResponse) => `${r.status}${code(r) ? " " + code(r) : ""}`;
const sdkErr = (e: unknown) => {
  const x = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return `${x.$metadata?.httpStatusCode ?? "?"} ${x.name ?? String(e)}`;
};

// ---- the table ----
type Kind = "accept" | "refuse" | "info";
interface Row { n: number; area: string; test: string; kind: Kind; got: string; ok: boolean; verdict: string }
const rows: Row[] = [];
async function check(area: string, test: string, kind: Kind, run: () => Promise<{ got: string; refused: boolean }>) {
  let got: string, refused: boolean;
  try {
    ({ got, refused } = await run());
  } catch (e) {
    got = `error: ${(e as Error).message ?? e}`; refused = true;
  }
  const ok = kind === "info" || (kind === "accept" ? !refused : refused);
  const verdict = kind === "accept" ? (refused ? "FAILS" : "works")
    : kind === "refuse" ? (refused ? "enforced" : "NOT ENFORCED") : refused ? "refused" : "accepted";
  rows.push({ n: rows.length + 1, area, test, kind, got, ok, verdict });
}
const bytes = (n: number, fill = 0x61) => new Uint8Array(n).fill(fill);
async function presignPut(key: string, type: string, size: number, expiresIn = 300, signable: Set<string> | null = SIGNED) {
  const cmd = new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: type, ContentLength: size, CacheControl: CACHE });
  return getSignedUrl(client, cmd, signable ? { expiresIn, signableHeaders: signable } : { expiresIn });
}
const putHeaders = (type: string, len: number) => ({ "Content-Type": type, "Content-Length": String(len), "Cache-Control": CACHE });
async function head(key: string) {
  try {
    const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: Number(h.ContentLength), type: h.ContentType ?? "" };
  } catch { return null; }
}

// 1. presigned PUT, signed Content-Length / Content-Type / Cache-Control (src/lib/s3.ts presignPut)
const SIZE = 64;
await check("presigned PUT", `signed length ${SIZE}, type image/png, cache-control: matching request`, "accept", async () => {
  const key = `${prefix}/ok.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), putHeaders("image/png", SIZE), bytes(SIZE));
  const h = await head(key);
  return { got: `${show(r)}; stored ${h?.size} B ${h?.type}`, refused: r.status !== 200 || h?.size !== SIZE || h.type !== "image/png" };
});
await check("presigned PUT", "same URL through fetch() (what a browser sends)", "accept", async () => {
  const key = `${prefix}/fetch.png`;
  const r = await fetch(await presignPut(key, "image/png", SIZE), { method: "PUT", headers: { "Content-Type": "image/png", "Cache-Control": CACHE }, body: bytes(SIZE) });
  return { got: String(r.status), refused: r.status !== 200 };
});
await check("presigned PUT", "X-Amz-Signature altered", "refuse", async () => {
  const url = new URL(await presignPut(`${prefix}/badsig.png`, "image/png", SIZE));
  const s = url.searchParams.get("X-Amz-Signature")!;
  url.searchParams.set("X-Amz-Signature", (s[0] === "0" ? "1" : "0") + s.slice(1));
  const r = await raw("PUT", url.toString(), putHeaders("image/png", SIZE), bytes(SIZE));
  return { got: show(r), refused: r.status === 403 };
});
await check("presigned PUT", "signed with a wrong secret key", "refuse", async () => {
  const other = makeClient({ credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: "not-the-secret" } });
  const url = await getSignedUrl(other, new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/wrongsecret`, ContentType: "image/png", ContentLength: SIZE, CacheControl: CACHE }), { signableHeaders: SIGNED });
  const r = await raw("PUT", url, putHeaders("image/png", SIZE), bytes(SIZE));
  return { got: show(r), refused: r.status === 403 };
});
await check("presigned PUT", "URL for key A used for key B", "refuse", async () => {
  const url = (await presignPut(`${prefix}/a.png`, "image/png", SIZE)).replace("/a.png?", "/b.png?");
  const r = await raw("PUT", url, putHeaders("image/png", SIZE), bytes(SIZE));
  return { got: show(r), refused: r.status === 403 };
});
await check("presigned PUT", "expired (X-Amz-Expires=1, used after 2.5 s)", "refuse", async () => {
  const url = await presignPut(`${prefix}/expired.png`, "image/png", SIZE, 1);
  await Bun.sleep(2500);
  const r = await raw("PUT", url, putHeaders("image/png", SIZE), bytes(SIZE));
  return { got: show(r), refused: r.status === 403 };
});
await check("presigned PUT", `body longer than signed (${SIZE + 100} B, Content-Length says so)`, "refuse", async () => {
  const key = `${prefix}/long.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), putHeaders("image/png", SIZE + 100), bytes(SIZE + 100));
  return { got: show(r), refused: r.status === 403 && !(await head(key)) };
});
await check("presigned PUT", `body longer than signed via fetch() (${SIZE + 100} B)`, "refuse", async () => {
  const key = `${prefix}/long-fetch.png`;
  const r = await fetch(await presignPut(key, "image/png", SIZE), { method: "PUT", headers: { "Content-Type": "image/png", "Cache-Control": CACHE }, body: bytes(SIZE + 100) });
  return { got: String(r.status), refused: r.status === 403 && !(await head(key)) };
});
await check("presigned PUT", `body shorter than signed (${SIZE - 10} B)`, "refuse", async () => {
  const key = `${prefix}/short.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), putHeaders("image/png", SIZE - 10), bytes(SIZE - 10));
  return { got: show(r), refused: r.status === 403 && !(await head(key)) };
});
await check("presigned PUT", "signed Content-Length header but 100 extra bytes after the body", "refuse", async () => {
  // HTTP framing: the server reads exactly Content-Length bytes; the rest is a (bad) next request.
  const key = `${prefix}/smuggle.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), putHeaders("image/png", SIZE), bytes(SIZE), bytes(100, 0x62));
  const h = await head(key);
  return { got: `${show(r)}; stored ${h ? `${h.size} B (extra bytes dropped)` : "nothing"}`, refused: !h || h.size === SIZE };
});
await check("presigned PUT", "chunked body, no Content-Length (signed 64)", "refuse", async () => {
  const key = `${prefix}/chunked.png`;
  const chunk = bytes(SIZE + 100);
  const body = `${chunk.length.toString(16)}\r\n${Buffer.from(chunk).toString("latin1")}\r\n0\r\n\r\n`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), { "Content-Type": "image/png", "Cache-Control": CACHE, "Transfer-Encoding": "chunked" }, body);
  const h = await head(key);
  return { got: `${show(r)}; stored ${h?.size ?? "nothing"}`, refused: r.status >= 400 && !h };
});
await check("presigned PUT", "Content-Type image/svg+xml instead of signed image/png", "refuse", async () => {
  const key = `${prefix}/type.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), putHeaders("image/svg+xml", SIZE), bytes(SIZE));
  return { got: show(r), refused: r.status === 403 && !(await head(key)) };
});
await check("presigned PUT", "Content-Type header left out", "refuse", async () => {
  const key = `${prefix}/notype.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), { "Content-Length": String(SIZE), "Cache-Control": CACHE }, bytes(SIZE));
  return { got: show(r), refused: r.status === 403 && !(await head(key)) };
});
await check("presigned PUT", "Cache-Control different from signed", "refuse", async () => {
  const key = `${prefix}/cache.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE), { ...putHeaders("image/png", SIZE), "Cache-Control": "no-store" }, bytes(SIZE));
  return { got: show(r), refused: r.status === 403 };
});
// getSignedUrl's defaults: content-type is unsignable (the presigner adds it), cache-control is
// always unsignable, content-length is signed whenever the command has ContentLength.
await check("presigned PUT", "default getSignedUrl (no signableHeaders): other Content-Type", "info", async () => {
  const key = `${prefix}/default-type.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE, 300, null), { ...putHeaders("text/html", SIZE), "Cache-Control": "no-store" }, bytes(SIZE));
  const h = await head(key);
  return { got: `${show(r)}; stored ${h ? `${h.size} B ${h.type}` : "nothing"}`, refused: r.status >= 400 };
});
await check("presigned PUT", "default getSignedUrl, ContentLength in command: 10x body", "info", async () => {
  const key = `${prefix}/default-len.png`;
  const r = await raw("PUT", await presignPut(key, "image/png", SIZE, 300, null), putHeaders("image/png", SIZE * 10), bytes(SIZE * 10));
  const h = await head(key);
  return { got: `${show(r)}; stored ${h ? `${h.size} B` : "nothing"}`, refused: r.status >= 400 };
});
await check("presigned PUT", "default getSignedUrl, no ContentLength in command: 10x body", "info", async () => {
  const key = `${prefix}/default-nolen.png`;
  const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: "image/png" }));
  const r = await raw("PUT", url, putHeaders("image/png", SIZE * 10), bytes(SIZE * 10));
  const h = await head(key);
  return { got: `${show(r)}; stored ${h ? `${h.size} B` : "nothing"}`, refused: r.status >= 400 };
});

// 2. header-signed requests (the SDK's own calls)
await check("signed request", "unsigned (anonymous) PUT into the bucket", "refuse", async () => {
  const r = await raw("PUT", `${endpoint}/${bucket}/${prefix}/anon`, { "Content-Length": "3" }, "abc");
  return { got: show(r), refused: r.status === 403 };
});
await check("signed request", "anonymous GET of a private object", "refuse", async () => {
  const r = await raw("GET", `${endpoint}/${bucket}/${prefix}/ok.png`, {});
  return { got: show(r), refused: r.status === 403 };
});
await check("signed request", "clock 20 min behind (SigV4 date skew)", "refuse", async () => {
  const skewed = makeClient({ systemClockOffset: -20 * 60_000 });
  try {
    await skewed.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    return { got: "200", refused: false };
  } catch (e) { return { got: sdkErr(e), refused: true }; }
});
await check("signed request", "body changed after signing (x-amz-content-sha256 mismatch)", "refuse", async () => {
  const c = makeClient();
  let hash = "";
  // Runs after the signer (finalizeRequest step): swap the body for other bytes of the same length.
  type Args = { request: unknown };
  const tamper = (next: (a: Args) => Promise<unknown>) => async (args: Args) => {
    const req = args.request as { body: unknown; headers: Record<string, string> };
    hash = req.headers["x-amz-content-sha256"] ?? "";
    req.body = bytes(SIZE, 0x7a);
    return next(args);
  };
  c.middlewareStack.addRelativeTo(tamper as never, { relation: "after", toMiddleware: "httpSigningMiddleware", name: "tamperBody" });
  const key = `${prefix}/tampered`;
  try {
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes(SIZE), ContentType: "application/octet-stream" }));
    return { got: `200 (payload hash ${hash.slice(0, 16)}…)`, refused: false };
  } catch (e) { return { got: `${sdkErr(e)} (payload hash ${hash.slice(0, 16)}…)`, refused: !(await head(key)) }; }
});
await check("signed request", "wrong Content-MD5", "refuse", async () => {
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/md5`, Body: "hello", ContentMD5: "AAAAAAAAAAAAAAAAAAAAAA==" }));
    return { got: "200", refused: false };
  } catch (e) { return { got: sdkErr(e), refused: true }; }
});
for (const [alg, field, value] of [["CRC32", "ChecksumCRC32", "AAAAAA=="], ["SHA256", "ChecksumSHA256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]] as const) {
  await check("checksum", `wrong x-amz-checksum-${alg.toLowerCase()} on PutObject`, "info", async () => {
    const key = `${prefix}/checksum-${alg}`;
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "hello", [field]: value }));
    } catch (e) { return { got: sdkErr(e), refused: true }; }
    const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    const echoed = (h as unknown as Record<string, unknown>)[field];
    return { got: `200; stored, checksum ${echoed ? "echoed" : "not echoed"} on HEAD`, refused: false };
  });
}

// 3. presigned POST (browser form upload) with a policy
const postFile = async (conditions: Parameters<typeof createPresignedPost>[1]["Conditions"], fields: Record<string, string>, file: Uint8Array, type: string, expires = 300, tamper?: (f: Record<string, string>) => void) => {
  const key = `${prefix}/post-${Math.random().toString(36).slice(2)}`;
  const post = await createPresignedPost(client as never, { Bucket: bucket, Key: key, Conditions: conditions, Fields: fields, Expires: expires });
  tamper?.(post.fields);
  const form = new FormData();
  for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
  form.append("file", new Blob([file], { type }), "upload.bin");
  const r = await fetch(post.url, { method: "POST", body: form });
  const text = await r.text();
  const h = await head(key);
  return { status: r.status, code: text.match(/<Code>([^<]+)<\/Code>/)?.[1] ?? "", stored: h };
};
const showPost = (p: { status: number; code: string; stored: { size: number } | null }) =>
  `${p.status}${p.code ? " " + p.code : ""}; ${p.stored ? `stored ${p.stored.size} B` : "nothing stored"}`;
const RANGE: ["content-length-range", number, number] = ["content-length-range", 1, 1000];
await check("presigned POST", "content-length-range 1..1000, 500 B file", "accept", async () => {
  const p = await postFile([RANGE, ["eq", "$Content-Type", "image/png"]], { "Content-Type": "image/png" }, bytes(500), "image/png");
  return { got: showPost(p), refused: p.status >= 300 || p.stored?.size !== 500 };
});
await check("presigned POST", "content-length-range 1..1000, 2000 B file", "refuse", async () => {
  const p = await postFile([RANGE], {}, bytes(2000), "image/png");
  return { got: showPost(p), refused: p.status >= 400 && !p.stored };
});
await check("presigned POST", "content-length-range 1..1000, empty file", "refuse", async () => {
  const p = await postFile([RANGE], {}, bytes(0), "image/png");
  return { got: showPost(p), refused: p.status >= 400 && !p.stored };
});
await check("presigned POST", "Content-Type field changed from the policy's image/png", "refuse", async () => {
  const p = await postFile([RANGE, ["eq", "$Content-Type", "image/png"]], { "Content-Type": "image/png" }, bytes(10), "image/png", 300, (f) => { f["Content-Type"] = "text/html"; });
  return { got: showPost(p), refused: p.status >= 400 && !p.stored };
});
await check("presigned POST", "key field changed from the signed key", "refuse", async () => {
  const p = await postFile([RANGE], {}, bytes(10), "image/png", 300, (f) => { f.key = `${prefix}/elsewhere`; });
  return { got: showPost(p), refused: p.status >= 400 && !(await head(`${prefix}/elsewhere`)) };
});
await check("presigned POST", "policy signature altered", "refuse", async () => {
  const p = await postFile([RANGE], {}, bytes(10), "image/png", 300, (f) => { const s = f["X-Amz-Signature"]!; f["X-Amz-Signature"] = (s[0] === "0" ? "1" : "0") + s.slice(1); });
  return { got: showPost(p), refused: p.status >= 400 && !p.stored };
});
await check("presigned POST", "policy expired (Expires=1, used after 2.5 s)", "refuse", async () => {
  const key = `${prefix}/post-expired`;
  const post = await createPresignedPost(client as never, { Bucket: bucket, Key: key, Conditions: [RANGE], Expires: 1 });
  await Bun.sleep(2500);
  const form = new FormData();
  for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
  form.append("file", new Blob([bytes(10)]), "f");
  const r = await fetch(post.url, { method: "POST", body: form });
  const text = await r.text();
  const h = await head(key);
  return { got: showPost({ status: r.status, code: text.match(/<Code>([^<]+)<\/Code>/)?.[1] ?? "", stored: h }), refused: r.status >= 400 && !h };
});

// 4. bucket CORS
await client.send(new PutBucketCorsCommand({
  Bucket: bucket,
  CORSConfiguration: { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ["PUT", "POST"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 600 }] },
}));
const preflight = (origin: string, method: string) => raw("OPTIONS", `${endpoint}/${bucket}/${prefix}/cors.png`, {
  Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "content-type,cache-control",
});
await check("CORS", `preflight PUT from ${ORIGIN}`, "accept", async () => {
  const r = await preflight(ORIGIN, "PUT");
  const acao = r.headers["access-control-allow-origin"];
  return { got: `${r.status}; ACAO ${acao ?? "-"}; methods ${r.headers["access-control-allow-methods"] ?? "-"}; max-age ${r.headers["access-control-max-age"] ?? "-"}`, refused: r.status !== 200 || acao !== ORIGIN };
});
await check("CORS", `preflight POST from ${ORIGIN}`, "accept", async () => {
  const r = await preflight(ORIGIN, "POST");
  return { got: `${r.status}; ACAO ${r.headers["access-control-allow-origin"] ?? "-"}`, refused: r.status !== 200 || r.headers["access-control-allow-origin"] !== ORIGIN };
});
await check("CORS", `presigned PUT from ${ORIGIN}: ACAO + Expose-Headers ETag`, "accept", async () => {
  const r = await raw("PUT", await presignPut(`${prefix}/cors.png`, "image/png", SIZE), { ...putHeaders("image/png", SIZE), Origin: ORIGIN }, bytes(SIZE));
  const acao = r.headers["access-control-allow-origin"], expose = r.headers["access-control-expose-headers"];
  return { got: `${r.status}; ACAO ${acao ?? "-"}; expose ${expose ?? "-"}; etag ${r.headers.etag ? "yes" : "no"}`, refused: r.status !== 200 || acao !== ORIGIN || !/etag/i.test(expose ?? "") };
});
await check("CORS", "preflight PUT from http://evil.example", "refuse", async () => {
  const r = await preflight("http://evil.example", "PUT");
  const acao = r.headers["access-control-allow-origin"];
  return { got: `${show(r)}; ACAO ${acao ?? "-"}`, refused: r.status >= 400 && !acao };
});
await check("CORS", `preflight DELETE from ${ORIGIN} (method not allowed)`, "refuse", async () => {
  const r = await preflight(ORIGIN, "DELETE");
  const acao = r.headers["access-control-allow-origin"];
  return { got: `${show(r)}; ACAO ${acao ?? "-"}`, refused: r.status >= 400 && !acao };
});

// ---- clean up and report ----
try {
  let token: string | undefined;
  do {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of out.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
} catch (e) {
  console.error("[ceph-check] cleanup:", e);
}

const w = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s.padEnd(n));
const width = { area: Math.max(...rows.map((r) => r.area.length)), test: Math.min(70, Math.max(...rows.map((r) => r.test.length))), got: Math.min(60, Math.max(...rows.map((r) => r.got.length))) };
console.log(`\nS3 strictness against ${endpoint} (bucket ${bucket})\n`);
console.log(`${"#".padStart(2)}  ${w("area", width.area)}  ${w("case", width.test)}  ${w("expect", 6)}  ${w("got", width.got)}  verdict`);
console.log("-".repeat(2 + 2 + width.area + 2 + width.test + 2 + 6 + 2 + width.got + 2 + 12));
for (const r of rows) {
  const expect = r.kind === "accept" ? "2xx" : r.kind === "refuse" ? "refuse" : "info";
  console.log(`${String(r.n).padStart(2)}  ${w(r.area, width.area)}  ${w(r.test, width.test)}  ${w(expect, 6)}  ${w(r.got, width.got)}  ${r.verdict}${r.ok ? "" : "  <-- !"}`);
}
const bad = rows.filter((r) => !r.ok);
console.log(`\n[ceph-check] ${rows.length - bad.length} of ${rows.length} cases as expected${bad.length ? `; unexpected: ${bad.map((r) => r.n).join(", ")}` : ""}`);
client.destroy();
process.exit(bad.length ? 1 : 0);
