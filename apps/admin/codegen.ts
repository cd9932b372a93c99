// Typed operations for the admin, generated from the API's SDL (graphql-codegen client preset).
// Run `npm run codegen -w @medcap/admin`; the output in src/gql is committed so builds need no API.
import { existsSync } from "node:fs";
import type { CodegenConfig } from "@graphql-codegen/cli";

// The exported SDL once the API commits it; its source files until then.
const schema = existsSync("../api/schema.graphql") ? "../api/schema.graphql" : "../api/src/graphql/schema/*.graphql";

const config: CodegenConfig = {
  overwrite: true,
  schema,
  documents: ["src/operations/*.operations.ts"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false, gqlTagName: "graphql" },
      config: {
        // Operations are plain strings: the server posts them as they are, no graphql runtime needed.
        documentMode: "string",
        useTypeImports: true,
        enumsAsTypes: true,
        skipTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: { DateTime: "string", JSON: "unknown", Upload: "File" },
      },
    },
  },
};

export default config;
