// A ZIP written file by file into a local file with fflate's streaming Zip: memory holds the
// deflate state of the one file being written and whatever the caller pushes at once (a page of
// rows), never the archive. JSON arrays are written an item at a time.
import { closeSync, fstatSync, openSync, writeSync } from "node:fs";
import { Zip, ZipDeflate } from "fflate";

const encoder = new TextEncoder();

export class ZipArchive {
  private readonly fd: number;
  private readonly zip: Zip;
  private error: Error | null = null;
  private finished = false;
  private open: ZipDeflate | null = null;
  private closed = false;

  constructor(path: string) {
    this.fd = openSync(path, "w", 0o600);
    // fflate calls back synchronously from push/end with each compressed chunk.
    this.zip = new Zip((err, chunk, final) => {
      if (err) {
        this.error = err;
        return;
      }
      if (chunk.length) writeSync(this.fd, chunk);
      if (final) this.finished = true;
    });
  }

  private check(): void {
    if (this.error) throw this.error;
  }

  /** Starts a file; its content is pushed with `write` and it ends with `endFile` (one file at a time). */
  startFile(name: string): void {
    if (this.open) throw new Error("a file of the archive is still open");
    const file = new ZipDeflate(name, { level: 6 });
    this.zip.add(file);
    this.open = file;
    this.check();
  }

  write(text: string): void {
    if (!this.open) throw new Error("no file of the archive is open");
    this.open.push(encoder.encode(text));
    this.check();
  }

  endFile(): void {
    if (!this.open) throw new Error("no file of the archive is open");
    this.open.push(new Uint8Array(0), true);
    this.open = null;
    this.check();
  }

  /** A whole small file at once. */
  file(name: string, text: string): void {
    this.startFile(name);
    this.write(text);
    this.endFile();
  }

  /** Writes the central directory and closes the file; returns the archive's size in bytes. */
  finish(): number {
    if (this.open) throw new Error("a file of the archive is still open");
    this.zip.end();
    this.check();
    if (!this.finished) throw new Error("the archive did not finish");
    const size = fstatSync(this.fd).size;
    this.close();
    return size;
  }

  /** Closes the file (idempotent); after a failure the caller deletes it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** A JSON array written into the open file of an archive, an item at a time (2-space indented items). */
export class JsonArrayWriter {
  count = 0;
  constructor(private readonly archive: ZipArchive, private readonly indent = "  ") {
    archive.write("[");
  }

  /** Items of one page: one write per page. */
  push(items: readonly unknown[]): void {
    if (items.length === 0) return;
    let text = "";
    for (const item of items) {
      const body = JSON.stringify(item, null, 2).replace(/\n/g, `\n${this.indent}`);
      text += `${this.count === 0 ? "\n" : ",\n"}${this.indent}${body}`;
      this.count++;
    }
    this.archive.write(text);
  }

  end(): void {
    this.archive.write(this.count === 0 ? "]" : `\n${this.indent.slice(2)}]`);
  }
}
