import cliProgress from "cli-progress";

/** A progress bar on stderr when it is a terminal; a line per 10 % otherwise (CI logs stay short). */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let lastDecile = -1;
  return {
    update(done: number, total: number) {
      if (bar) {
        if (!started) bar.start(total, 0);
        started = true;
        bar.setTotal(total);
        bar.update(done);
        return;
      }
      const decile = total ? Math.floor((done / total) * 10) : 10;
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${label}: ${done}/${total}\n`);
      }
    },
    stop() {
      if (started) bar?.stop();
    },
  };
}
