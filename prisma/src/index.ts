export { createPrismaClient, type PrismaClient } from "./client.js";
export { openDatabase, type Database, type DatabaseOptions } from "./database.js";
export { startEmbeddedPostgres, type EmbeddedServer } from "./embedded.js";
export { freePort } from "./free.port.js";
export { EmbeddedPostgresError, removeRelocatedCluster } from "./postgres.runtime.js";
export { applyMigrations, diffDatabaseToSchema, migrationsDir, schemaPath } from "./migrations.js";
export * from "../generated/client/enums.js";
export { Prisma } from "../generated/client/client.js";
export type * from "../generated/client/models.js";
