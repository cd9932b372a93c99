// The cluster settings (issue #28): QDRANT_URL as a peer list, and the collection layout's defaults
// for one server and for a cluster.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const qdrant = (env: Record<string, string>) => loadConfig({ MEDCAP_VECTOR_STORE: "qdrant", ...env }).qdrant;

describe("Qdrant settings", () => {
  it("one server: one URL, one shard, one copy, one acknowledgement, reads from one copy", () => {
    expect(qdrant({ QDRANT_URL: "http://localhost:6333" })).toMatchObject({
      url: "http://localhost:6333",
      urls: ["http://localhost:6333"],
      layout: { shards: 1, replicationFactor: 1, writeConsistency: 1 },
      readConsistency: 1,
      failbackMs: 10_000,
    });
    expect(qdrant({ QDRANT_URL: "http://q1:6333,http://q2:6333", MEDCAP_QDRANT_FAILBACK_MS: "0" }).failbackMs).toBe(0);
  });

  it("several peers: every peer in order, a shard per peer (at most 3) with two copies", () => {
    const q = qdrant({ QDRANT_URL: " http://q1:6333, http://q2:6333 ,http://q3:6333,http://q4:6333" });
    expect(q.urls).toEqual(["http://q1:6333", "http://q2:6333", "http://q3:6333", "http://q4:6333"]);
    expect(q.url).toBe("http://q1:6333");
    expect(q.layout).toEqual({ shards: 3, replicationFactor: 2, writeConsistency: 1 });
    expect(qdrant({ QDRANT_URL: "http://q1:6333,http://q2:6333" }).layout).toEqual({
      shards: 2,
      replicationFactor: 2,
      writeConsistency: 1,
    });
  });

  it("explicit settings win over the defaults", () => {
    const q = qdrant({
      QDRANT_URL: "http://q1:6333,http://q2:6333,http://q3:6333",
      MEDCAP_QDRANT_SHARDS: "12",
      MEDCAP_QDRANT_REPLICATION_FACTOR: "3",
      MEDCAP_QDRANT_WRITE_CONSISTENCY: "2",
      MEDCAP_QDRANT_READ_CONSISTENCY: "majority",
    });
    expect(q.layout).toEqual({ shards: 12, replicationFactor: 3, writeConsistency: 2 });
    expect(q.readConsistency).toBe("majority");
    expect(qdrant({ QDRANT_URL: "http://q1:6333", MEDCAP_QDRANT_READ_CONSISTENCY: "2" }).readConsistency).toBe(2);
  });

  it("refuses what cannot work, naming the setting", () => {
    expect(() => qdrant({ QDRANT_URL: "http://q1:6333,not a url" })).toThrow(/QDRANT_URL/);
    expect(() => qdrant({ QDRANT_URL: "http://q1:6333", MEDCAP_QDRANT_WRITE_CONSISTENCY: "2" })).toThrow(
      /MEDCAP_QDRANT_WRITE_CONSISTENCY \(2\) cannot exceed MEDCAP_QDRANT_REPLICATION_FACTOR \(1\)/,
    );
    expect(() => qdrant({ QDRANT_URL: "http://q1:6333", MEDCAP_QDRANT_READ_CONSISTENCY: "some" })).toThrow(ConfigError);
    expect(() => qdrant({ QDRANT_URL: "http://q1:6333", MEDCAP_QDRANT_SHARDS: "0" })).toThrow(/MEDCAP_QDRANT_SHARDS/);
    expect(() => loadConfig({ MEDCAP_VECTOR_STORE: "qdrant" })).toThrow(/needs QDRANT_URL/);
  });
});
