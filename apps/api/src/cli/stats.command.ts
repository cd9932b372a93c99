import type { Command } from "commander";
import { loadConfig } from "../config/config.js";
import { openAppContext } from "../app/app.context.js";
import { commandServices } from "../app/commands.composition.js";

export function registerStatsCommand(program: Command) {
  program
    .command("stats")
    .description("print catalogue counts: datasets, cases, images, captions, by split, modality and dataset")
    .option("--json", "print one JSON object")
    .action(async (opts: { json?: boolean }) => {
      const ctx = await openAppContext(loadConfig());
      try {
        const s = await commandServices(ctx).catalogStats().stats();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(s)}\n`);
          return;
        }
        process.stdout.write(`datasets ${s.datasets}  cases ${s.cases}  images ${s.images}  captions ${s.captions}\n`);
        for (const [split, c] of Object.entries(s.bySplit)) {
          process.stdout.write(`  ${split.padEnd(6)} cases ${String(c.cases).padStart(6)}  images ${String(c.images).padStart(6)}\n`);
        }
        for (const [m, n] of Object.entries(s.byModality)) process.stdout.write(`  ${m.padEnd(6)} images ${String(n).padStart(6)}\n`);
      } finally {
        await ctx.close();
      }
    });
}
