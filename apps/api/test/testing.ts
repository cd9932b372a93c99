// The API's test helpers that other workspaces' tests use: the `@medcap/api/testing` export, so /test
// never reaches into apps/api's folders. The runtime image carries no test/ folder.
export { type SyntheticDicomOptions, writeDeflateBomb, writeSyntheticDicom } from "./dicom.fixture.js";
export { qdrantBinary, type RunningQdrant, startQdrant } from "./qdrant.server.js";
export { type RunningQdrantCluster, startQdrantCluster } from "./qdrant.cluster.js";
export { loadConfig } from "../src/config/config.js";
