// Applies committed migrations to DATABASE_URL offline (equivalent to `prisma migrate deploy`).
import { applyMigrations } from "../src/migrations.js";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set (the API and CLI migrate their embedded database themselves)");
  process.exit(2);
}
const applied = await applyMigrations(url);
console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
