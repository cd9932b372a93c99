// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from schema.prisma).
// On a machine with internet, `npx prisma migrate deploy` applies the same folder that
// `npm run migrate -w @medcap/db` applies offline.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres:postgres@localhost:5432/medcap" },
});
