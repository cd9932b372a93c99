// `npm run schema:export -w @medcap/api` rewrites apps/api/schema.graphql from the SDL files.
import { writeFileSync } from "node:fs";
import { exportedSchemaPath, printExportedSchema } from "./graphql.schema.js";

writeFileSync(exportedSchemaPath, printExportedSchema());
process.stdout.write(`wrote ${exportedSchemaPath}\n`);
