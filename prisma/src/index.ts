export { createPrismaClient, type PrismaClient } from "./client.js";
export { openDatabase, type Database, type DatabaseOptions } from "./database.js";
export { startEmbeddedPostgres, type EmbeddedServer } from "./embedded.js";
export { applyMigrations, diffDatabaseToSchema, migrationsDir, schemaPath } from "./migrations.js";
export * from "../generated/client/enums.js";
export { Prisma } from "../generated/client/client.js";
export type * from "../generated/client/models.js";
export { openTestDatabase, type TestDatabase } from "./testing.js";
export { seedCase, type SeedImage } from "./fixtures.js";
