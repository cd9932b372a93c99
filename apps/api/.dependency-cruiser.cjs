// The layering of apps/api/src, checked on every test run (`npm run lint:deps`, part of `npm test`;
// docs/architecture.md draws it). Paths are relative to apps/api. A folder may import folders of
// lower layers only: never one of its own layer's other folders, never one above. Type-only imports
// count too: a type that has to come from above means the code sits in the wrong layer.
//
// To add a folder: put it in LAYERS where what it imports is all below it, and add it to the
// architecture document. To add a service: construct it in app/ (server.composition.ts for the
// server, commands.composition.ts for the CLI); nothing else may.

/** Bottom to top. Folders in one row sit side by side and import none of each other. */
const LAYERS = [
  ["config"],
  ["core", "telemetry", "scoring", "attributes"],
  ["vectors", "gpu", "jobs", "auth"],
  ["encoders"],
  ["ingest", "explain"],
  ["search"],
  ["lifecycle", "eval", "bench"],
  ["curation"],
  ["audit"],
  ["graphql"],
  ["server"],
  ["app"],
  ["cli"],
];

/**
 * The retrieval core that answers requests: it never depends on the evaluation kit (the caption
 * metrics both use live in scoring/). The API above it may report evaluation runs (graphql/).
 */
const SERVING = ["search", "explain", "encoders", "lifecycle", "vectors", "attributes", "scoring", "ingest", "gpu"];

const SRC = "^src/";
const folders = (names) => `${SRC}(${names.join("|")})/`;
/** Specs set up whole stacks (a server over a real retrieval core): they may import from anywhere. */
const NOT_SPEC = "\\.spec\\.ts$";

const layerRules = LAYERS.flatMap((row, i) =>
  row.map((folder) => ({
    name: `layer-${folder}`,
    comment: `${folder}/ sits in layer ${i}: it may import only ${LAYERS.slice(0, i).flat().join(", ") || "no other folder"}`,
    severity: "error",
    from: { path: `${SRC}${folder}/`, pathNot: NOT_SPEC },
    to: {
      path: folders([...LAYERS.slice(i + 1).flat(), ...row.filter((f) => f !== folder)]),
    },
  })),
);

/** Modules whose classes are services, stores, repositories, the queue or the worker: built in app/ only. */
const CONSTRUCTED = "\\.(service|store|repository)\\.ts$|/jobs/job\\.(queue|worker)\\.ts$";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, between files or (through the layer rules) between folders.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "only-cli-imports-app",
      comment: "app/ is the composition root: nothing below it imports it (specs may, to start a whole stack).",
      severity: "error",
      from: { path: SRC, pathNot: [`${SRC}(app|cli)/`, NOT_SPEC] },
      to: { path: `${SRC}app/` },
    },
    {
      name: "serving-never-imports-eval",
      comment: "Serving code does not depend on the evaluation kit; shared caption metrics live in scoring/.",
      severity: "error",
      from: { path: folders(SERVING), pathNot: NOT_SPEC },
      to: { path: `${SRC}eval/` },
    },
    {
      name: "gpu-does-not-import-encoders",
      comment: "encoders/ uses gpu/ to find the CUDA provider; gpu/ never reaches back into encoders/.",
      severity: "error",
      from: { path: `${SRC}gpu/` },
      to: { path: `${SRC}encoders/` },
    },
    {
      name: "cli-and-server-construct-nothing",
      comment:
        "cli/ and server/ receive services, stores, the job queue/worker and encoders from app/; they may name their types, never import the classes.",
      severity: "error",
      from: { path: `${SRC}(cli|server)/`, pathNot: NOT_SPEC },
      to: { path: CONSTRUCTED, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "not-to-spec",
      comment: "Production code never imports a spec file.",
      severity: "error",
      from: { pathNot: NOT_SPEC },
      to: { path: NOT_SPEC },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves (a renamed or moved module left an import behind).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Only apps/api's own sources: npm packages and the other workspaces (@medcap/db) are leaves here.
    doNotFollow: { path: ["node_modules", "^\\.\\./"] },
    exclude: { path: "\\.generated\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require("node:path").join(__dirname, "tsconfig.json") },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
