// A small progress bar for long bench steps (stderr, one line, redrawn).
export function progress(label: string, total: number) {
  const started = performance.now();
  let done = 0;
  const draw = () => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r${label.padEnd(28)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} ${secs}s   `);
  };
  draw();
  return {
    tick(n = 1) {
      done = Math.min(total, done + n);
      draw();
    },
    end() {
      done = total;
      draw();
      process.stderr.write("\n");
      return (performance.now() - started) / 1000;
    },
  };
}
