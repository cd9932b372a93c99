// The medcap CLI: thin commands over the same core the GraphQL API uses.
import { EmbeddedPostgresError } from "@medcap/db";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/config.js";
import { isMedcapError } from "../core/errors.js";
import { registerAuditCommands } from "./audit.commands.js";
import { registerBenchCommand } from "./bench.command.js";
import { registerEvalCommands } from "./eval.commands.js";
import { registerGpuCommands } from "./gpu.command.js";
import { registerImportCommands } from "./import.command.js";
import { registerMigrateCommand } from "./migrate.command.js";
import { registerModelCommands } from "./model.commands.js";
import { registerRetrievalCommands } from "./retrieval.commands.js";
import { registerStatsCommand } from "./stats.command.js";
import { registerKeysCommands } from "./keys.command.js";
import { openServedRetrieval } from "../app/served.model.composition.js";
import { registerServeCommand } from "./serve.command.js";

export function buildProgram(): Command {
  const program = new Command("medcap")
    .description(
      "MedCap: medical image captioning and retrieval with a contrastive dual encoder.\nConfiguration comes from environment variables (see README, `.env.example`).",
    )
    .showHelpAfterError()
    .exitOverride();
  registerImportCommands(program);
  registerStatsCommand(program);
  registerMigrateCommand(program);
  registerKeysCommands(program);
  registerServeCommand(program, { makeRetrieval: openServedRetrieval });
  registerRetrievalCommands(program);
  registerModelCommands(program);
  registerEvalCommands(program);
  registerBenchCommand(program);
  registerGpuCommands(program);
  registerAuditCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (isMedcapError(err)) {
      process.stderr.write(`error [${err.code}]: ${err.message}\n`);
      const problems = (err.details as { problems?: { id: string; reason: string }[] }).problems;
      for (const p of problems ?? []) process.stderr.write(`  ${p.id}: ${p.reason}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof EmbeddedPostgresError) {
      process.stderr.write(`error [DATABASE_UNAVAILABLE]: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`error [CONFIG_INVALID]: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`error [INTERNAL]: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
