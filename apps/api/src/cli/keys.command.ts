import type { Command } from "commander";
import { publicKey } from "../auth/api-key.format.js";
import type { ApiKeyService } from "../auth/api-key.service.js";
import { parseRole } from "../auth/role.policy.js";
import { loadConfig } from "../config/config.js";
import { type AppContext, openAppContext } from "../app/app.context.js";
import { commandServices } from "../app/commands.composition.js";

/** Keys made on the command line are audited as the local operator. */
const CLI_ACTOR = "cli";

async function withKeys<T>(fn: (keys: ApiKeyService, ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await openAppContext(loadConfig());
  try {
    return await fn(commandServices(ctx).apiKeys(), ctx);
  } finally {
    await ctx.close();
  }
}

export function registerKeysCommands(program: Command) {
  const cmd = program.command("keys").description("manage API keys (roles: viewer < annotator < curator < admin)");
  cmd
    .command("create")
    .description("create an API key and print its secret once")
    .requiredOption("--role <role>", "viewer, annotator, curator or admin")
    .requiredOption("--label <label>", "who or what the key is for")
    .option("--json", "print {key, secret} as JSON")
    .action(async (opts: { role: string; label: string; json?: boolean }) => {
      const role = parseRole(opts.role);
      const { key, secret } = await withKeys((keys) => keys.create({ label: opts.label, role }, CLI_ACTOR));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ key: publicKey(key), secret })}\n`);
        return;
      }
      process.stdout.write(`created ${key.role.toLowerCase()} key ${key.id} (${key.label})\n`);
      process.stdout.write(`secret: ${secret}\n`);
      process.stdout.write("Store the secret now: only its hash is kept. Send it as `Authorization: Bearer <secret>`.\n");
    });
  cmd
    .command("list")
    .description("list API keys (never their secrets)")
    .option("--json", "print a JSON array")
    .action(async (opts: { json?: boolean }) => {
      const list = await withKeys((keys) => keys.list());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list.map(publicKey))}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write("no API keys; create one with `medcap keys create --role admin --label <name>`\n");
      for (const k of list) {
        const state = k.revoked ? "revoked" : "active";
        const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : "never";
        process.stdout.write(
          `${k.id}  ${k.prefix}…  ${k.role.toLowerCase().padEnd(9)} ${state.padEnd(7)}  last used ${used}  ${k.label}\n`,
        );
      }
    });
  cmd
    .command("revoke")
    .description("revoke an API key; requests with it fail from then on")
    .argument("<id>", "key id (see `medcap keys list`)")
    .option("--json", "print the revoked key as JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const key = await withKeys((keys) => keys.revoke(id, CLI_ACTOR));
      if (opts.json) process.stdout.write(`${JSON.stringify(publicKey(key))}\n`);
      else process.stdout.write(`revoked key ${key.id} (${key.label})\n`);
    });
}
