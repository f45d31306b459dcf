// A standalone S3-compatible server (s3rver) that several VRSS processes can share:
//   bun scripts/s3-server.ts --port 9440 --dir /tmp/vrss-topology/s3 [--bucket vrss-media]
// Point every process at it with S3_ENDPOINT=http://127.0.0.1:9440 S3_ACCESS_KEY_ID=S3RVER
// S3_SECRET_ACCESS_KEY=S3RVER S3_PUBLIC_URL=http://127.0.0.1:9440/vrss-media (s3rver accepts the
// S3RVER/S3RVER key pair, the one src/lib/s3.ts uses for its embedded server). Without S3_ENDPOINT
// each process starts its own embedded s3rver, and an object uploaded through one process is then
// missing on the other. Local topologies only (it listens on loopback): s3rver does not enforce a
// presigned Content-Length and accepts unsigned requests, so anyone on the machine may read and write.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import S3rver from "s3rver";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "9440" },
    address: { type: "string", default: "127.0.0.1" },
    dir: { type: "string", default: ".data/s3-shared" },
    bucket: { type: "string", default: "vrss-media" },
  },
});
const directory = resolve(values.dir!);
mkdirSync(directory, { recursive: true });
const server = new S3rver({
  port: Number(values.port),
  address: values.address,
  directory,
  silent: true,
  configureBuckets: [{ name: values.bucket!, configs: [] }],
});
const info = (await server.run()) as unknown as { address: string; port: number };
console.log(`s3rver listening on http://${info.address}:${info.port} (bucket ${values.bucket}, objects under ${directory})`);

async function shutdown() {
  await server.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
