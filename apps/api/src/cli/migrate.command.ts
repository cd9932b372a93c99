import type { Command } from "commander";
import { loadConfig } from "../config/config.js";
import { openAppContext } from "../app/app.context.js";

export function registerMigrateCommand(program: Command) {
  program
    .command("migrate")
    .description("apply pending database migrations (offline; equivalent to `prisma migrate deploy`) and exit")
    .action(async () => {
      const ctx = await openAppContext(loadConfig());
      process.stdout.write(ctx.db.applied.length ? `applied ${ctx.db.applied.join(", ")}\n` : "database is up to date\n");
      await ctx.close();
    });
}
