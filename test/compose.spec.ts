// docker compose cannot run here (no engine), so the compose file's structure is checked instead:
// what `docker compose config` would reject, and what MedCap's own services rely on.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@medcap/api/testing";
import { parse } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Healthcheck {
  test: string | string[];
  interval?: string;
  retries?: number;
}
interface Build {
  context: string;
  dockerfile?: string;
  target?: string;
  args?: Record<string, string>;
}
interface Service {
  image?: string;
  build?: string | Build;
  environment?: Record<string, string> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  volumes?: (string | { type: string; source?: string; target: string })[];
  ports?: string[];
  profiles?: string[];
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; count?: number | string; capabilities?: string[] }[] } } };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8"), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);

function envNames(service: Service): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((e) => e.split("=")[0] ?? e) : Object.keys(env);
}
function envValue(service: Service, name: string): string | undefined {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
  return env[name];
}
function dependsOn(service: Service): [string, string | undefined][] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps.map((d) => [d, undefined]) : Object.entries(deps).map(([d, v]) => [d, v.condition]);
}
function dockerfileOf(service: Service): string | undefined {
  if (!service.build) return undefined;
  const build = typeof service.build === "string" ? { context: service.build } : service.build;
  return path.join(root, build.context, build.dockerfile ?? "Dockerfile");
}
/** The env vars the API reads: the keys of the schema in apps/api/src/config/config.ts. */
function apiConfigVars(): Set<string> {
  const source = readFileSync(path.join(root, "apps/api/src/config/config.ts"), "utf8");
  const body = source.slice(source.indexOf("z.object({"), source.indexOf("});", source.indexOf("z.object({")));
  return new Set([...body.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] as string));
}

describe("docker-compose.yml", () => {
  it("has the production services", () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(["postgres", "qdrant", "api", "admin", "api-gpu"]));
  });

  it.each(services)("%s has an image or a build", (_name, service) => {
    expect(Boolean(service.image) || Boolean(service.build)).toBe(true);
  });

  it.each(["postgres", "qdrant", "api", "api-gpu", "admin"])("%s has a healthcheck", (name) => {
    const hc = compose.services[name]?.healthcheck;
    expect(hc?.test, name).toBeDefined();
    expect(hc?.test.length).toBeGreaterThan(0);
  });

  it("checks postgres with pg_isready and the api on /healthz", () => {
    expect(JSON.stringify(compose.services.postgres?.healthcheck?.test)).toContain("pg_isready");
    for (const name of ["api", "api-gpu"]) {
      expect(JSON.stringify(compose.services[name]?.healthcheck?.test)).toMatch(/(localhost|127\.0\.0\.1):4000\/healthz/);
    }
  });

  it("pins postgres 17 and qdrant images", () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:17/);
    expect(compose.services.qdrant?.image).toMatch(/^qdrant\/qdrant/);
  });

  it.each(services)("%s depends only on existing services, with valid conditions", (name, service) => {
    for (const [dep, condition] of dependsOn(service)) {
      expect(compose.services, `${name} depends on ${dep}`).toHaveProperty([dep]);
      if (condition) expect(["service_started", "service_healthy", "service_completed_successfully"]).toContain(condition);
      if (condition === "service_healthy") expect(compose.services[dep]?.healthcheck, `${dep} needs a healthcheck`).toBeDefined();
    }
  });

  it("starts the API only after healthy postgres and qdrant, and the admin after a healthy API", () => {
    for (const name of ["api", "api-gpu"]) {
      const deps = Object.fromEntries(dependsOn(compose.services[name] as Service));
      expect(deps).toEqual({ postgres: "service_healthy", qdrant: "service_healthy" });
    }
    expect(Object.fromEntries(dependsOn(compose.services.admin as Service))).toMatchObject({ api: "service_healthy" });
  });

  it("declares every named volume it mounts", () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const [name, service] of services) {
      for (const v of service.volumes ?? []) {
        const source = typeof v === "string" ? v.split(":")[0] : v.source;
        if (!source || source.startsWith(".") || source.startsWith("/") || source.startsWith("~")) continue;
        expect(declared, `${name} mounts ${source}`).toContain(source);
      }
    }
  });

  it("keeps data on volumes: postgres, qdrant storage and the API data folder", () => {
    const targets = (name: string) =>
      (compose.services[name]?.volumes ?? []).map((v) => (typeof v === "string" ? v.split(":")[1] : v.target));
    expect(targets("postgres")).toContain("/var/lib/postgresql/data");
    expect(targets("qdrant")).toContain("/qdrant/storage");
    expect(targets("api")).toContain("/data");
    expect(targets("api-gpu")).toContain("/data");
  });

  it.each(services.filter(([, s]) => s.build))("%s builds from a Dockerfile that exists", (_name, service) => {
    const file = dockerfileOf(service) as string;
    expect(existsSync(file), file).toBe(true);
    const build = service.build as Build;
    if (build.target) expect(readFileSync(file, "utf8")).toMatch(new RegExp(`^FROM .+ AS ${build.target}$`, "m"));
  });

  it("configures the API for Postgres, Qdrant and the data volume", () => {
    for (const name of ["api", "api-gpu"]) {
      const api = compose.services[name] as Service;
      expect(envValue(api, "DATABASE_URL")).toMatch(/^postgres(ql)?:\/\/.+@postgres:5432\//);
      expect(envValue(api, "QDRANT_URL")).toBe("http://qdrant:6333");
      expect(envValue(api, "MEDCAP_VECTOR_STORE")).toBe("qdrant");
      expect(envValue(api, "MEDCAP_DATA_DIR")).toBe("/data");
    }
    expect(envValue(compose.services.admin as Service, "API_URL")).toBe("http://api:4000/graphql");
    expect(compose.services.admin?.ports).toContain("3001:3001");
  });

  it("passes the API only environment variables its config schema knows", () => {
    const known = apiConfigVars();
    expect(known.size).toBeGreaterThan(5);
    for (const name of ["api", "api-gpu"]) {
      for (const env of envNames(compose.services[name] as Service)) expect(known, `${name}: ${env}`).toContain(env);
    }
  });

  it("reserves an NVIDIA GPU for the api-gpu service, only under the gpu profile", () => {
    const gpu = compose.services["api-gpu"] as Service;
    expect(gpu.profiles).toEqual(["gpu"]);
    const devices = gpu.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toEqual(
      expect.arrayContaining([expect.objectContaining({ driver: "nvidia", capabilities: expect.arrayContaining(["gpu"]) })]),
    );
    expect(envValue(gpu, "MEDCAP_PROVIDERS")).toBe("cuda,cpu");
    // The CUDA provider comes from PyPI in the Dockerfile (`medcap gpu install`), not from a build arg.
    expect((gpu.build as Build).args?.ONNXRUNTIME_NODE_INSTALL).toBeUndefined();
    for (const [name, service] of services)
      if (name !== "api-gpu") expect(service.deploy?.resources?.reservations?.devices, name).toBeUndefined();
  });
});

describe("docker-compose.yml, profile cluster (issue #28)", () => {
  const cluster = services.filter(([, s]) => s.profiles?.includes("cluster"));
  const byName = (name: string) => compose.services[name] as Service;

  it("has three Qdrant peers, two API replicas and a proxy, all only under the cluster profile", () => {
    expect(cluster.map(([n]) => n).sort()).toEqual(["api-1", "api-2", "proxy", "qdrant-1", "qdrant-2", "qdrant-3"]);
    for (const [name, s] of cluster) expect(s.profiles, name).toEqual(["cluster"]);
  });

  it("runs Qdrant in distributed mode: peer 1 starts the consensus, peers 2 and 3 bootstrap from it, each on its own volume", () => {
    const command = (n: string) => String((byName(n) as Service & { command?: string }).command);
    for (const n of ["qdrant-1", "qdrant-2", "qdrant-3"]) {
      expect(envValue(byName(n), "QDRANT__CLUSTER__ENABLED")).toBe("true");
      expect(command(n)).toContain(`--uri http://${n}:6335`);
      expect(byName(n).healthcheck?.test).toBeDefined();
    }
    expect(command("qdrant-1")).not.toContain("--bootstrap");
    for (const n of ["qdrant-2", "qdrant-3"]) expect(command(n)).toContain("--bootstrap http://qdrant-1:6335");
    const volumes = ["qdrant-1", "qdrant-2", "qdrant-3"].map((n) => String(byName(n).volumes?.[0]).split(":")[0]);
    expect(new Set(volumes).size).toBe(3);
  });

  it("points both replicas at every peer (starting at different ones), one Postgres, one shared data volume", () => {
    const known = apiConfigVars();
    const urls = ["api-1", "api-2"].map((n) => envValue(byName(n), "QDRANT_URL")?.split(",") ?? []);
    for (const list of urls) expect([...list].sort()).toEqual(["http://qdrant-1:6333", "http://qdrant-2:6333", "http://qdrant-3:6333"]);
    expect(urls[0]?.[0]).not.toBe(urls[1]?.[0]);
    for (const n of ["api-1", "api-2"]) {
      const api = byName(n);
      expect(envValue(api, "DATABASE_URL")).toMatch(/@postgres:5432\//);
      expect(envValue(api, "MEDCAP_VECTOR_STORE")).toBe("qdrant");
      expect(envValue(api, "MEDCAP_QDRANT_REPLICATION_FACTOR")).toBe("2");
      expect(api.volumes).toContain("cluster-api-data:/data");
      for (const env of envNames(api)) expect(known, `${n}: ${env}`).toContain(env);
    }
  });

  /** A value as `docker compose` resolves it with nothing set in the shell or .env: ${VAR:-default} → default. */
  const resolved = (v: string) => v.replace(/\$\{[A-Za-z0-9_]+(?::?-([^}]*))?\}/g, (_m, d: string | undefined) => d ?? "");
  const envOf = (n: string) =>
    Object.fromEntries(Object.entries(byName(n).environment as Record<string, string>).map(([k, v]) => [k, resolved(String(v))]));
  const nginx = readFileSync(path.join(root, "docker/nginx.cluster.conf"), "utf8");
  const command = (n: string) => String((byName(n) as Service & { command?: string }).command);

  it("gives each replica an environment MedCap's own config loader reads as the cluster layout", () => {
    for (const n of ["api-1", "api-2"]) {
      const config = loadConfig(envOf(n));
      expect(config.vectorStore, n).toBe("qdrant");
      expect(config.qdrant.urls, n).toHaveLength(3);
      // 3 shards × 2 copies on 3 peers: a lost peer leaves a live copy of every shard, and writes
      // need one acknowledgement, so they go on while it is gone.
      expect(config.qdrant.layout, n).toEqual({ shards: 3, replicationFactor: 2, writeConsistency: 1 });
      expect(config.qdrant.readConsistency, n).toBe(1);
      // One nginx hop in front: req.ip is the client's, not the proxy's.
      expect(config.http.trustProxy, n).toBe(1);
      expect(byName(n).ports, `${n} is reached only through the proxy`).toBeUndefined();
      // The port the replica listens on is the one its healthcheck and nginx's upstream use.
      expect(JSON.stringify(byName(n).healthcheck?.test)).toContain(`127.0.0.1:${config.http.port}/healthz`);
      expect(nginx).toMatch(new RegExp(`server ${n}:${config.http.port}\\b`));
    }
  });

  it("lists in QDRANT_URL exactly the peers' HTTP ports, and wires each peer's P2P URI to its own P2P port", () => {
    for (const n of ["qdrant-1", "qdrant-2", "qdrant-3"]) {
      const env = envOf(n);
      const p2p = env.QDRANT__CLUSTER__P2P__PORT;
      expect(command(n)).toContain(`--uri http://${n}:${p2p} `.trimEnd());
      // No HTTP port override: the image's 6333, which the healthcheck asks and the replicas list.
      expect(env.QDRANT__SERVICE__HTTP_PORT ?? "6333").toBe("6333");
      expect(JSON.stringify(byName(n).healthcheck?.test)).toContain("/dev/tcp/127.0.0.1/6333");
    }
    const p2pOfFirst = envOf("qdrant-1").QDRANT__CLUSTER__P2P__PORT;
    for (const n of ["qdrant-2", "qdrant-3"]) {
      expect(command(n)).toContain(`--bootstrap http://qdrant-1:${p2pOfFirst}`);
      expect(Object.fromEntries(dependsOn(byName(n)))).toEqual({ "qdrant-1": "service_healthy" });
    }
    for (const n of ["api-1", "api-2"])
      expect(Object.fromEntries(dependsOn(byName(n)))).toEqual({
        postgres: "service_healthy",
        "qdrant-1": "service_healthy",
        "qdrant-2": "service_healthy",
        "qdrant-3": "service_healthy",
      });
  });

  it("publishes the proxy on the port nginx listens on, and retries only requests that never reached a replica", () => {
    const listen = /^\s*listen (\d+);/m.exec(nginx)?.[1];
    expect(byName("proxy").ports).toEqual([`4080:${listen}`]);
    expect(nginx).toMatch(/proxy_next_upstream error timeout http_502 http_503;/);
    expect(nginx).not.toMatch(/non_idempotent/); // a mutation a replica received is never sent twice
    expect(JSON.stringify(byName("proxy").healthcheck?.test)).toContain(`127.0.0.1:${listen}/proxy-healthz`);
  });

  it("puts an nginx in front of both replicas, with the config it mounts", () => {
    const proxy = byName("proxy");
    expect(proxy.image).toMatch(/^nginx:/);
    const conf = readFileSync(path.join(root, "docker/nginx.cluster.conf"), "utf8");
    expect(conf).toMatch(/server api-1:4000/);
    expect(conf).toMatch(/server api-2:4000/);
    expect(String(proxy.volumes?.[0])).toContain("./docker/nginx.cluster.conf:");
    expect(Object.keys(Object.fromEntries(dependsOn(proxy))).sort()).toEqual(["api-1", "api-2"]);
  });
});

describe("Dockerfiles", () => {
  const api = readFileSync(path.join(root, "docker/api.Dockerfile"), "utf8");
  const admin = readFileSync(path.join(root, "docker/admin.Dockerfile"), "utf8");

  it("build on Node 24 slim with npm ci and run as a non-root user", () => {
    for (const file of [api, admin]) {
      expect(file).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
      expect(file).toMatch(/\bnpm ci\b/);
      expect(file).toMatch(/^USER (?!root\b)\w+/m);
    }
  });

  it("runs the API's compiled bundle, built in the image (not TypeScript through tsx)", () => {
    expect(api).toMatch(/^RUN .*npm run build -w @medcap\/api/m);
    expect(api).toMatch(/^ENTRYPOINT \["node", "apps\/api\/bin\/medcap\.mjs"\]$/m);
    expect(readFileSync(path.join(root, "apps/api/bin/medcap.mjs"), "utf8")).not.toMatch(/\btsx\b/);
  });

  it("installs the CUDA provider from PyPI in the GPU target (medcap gpu install), never from onnxruntime-node's NuGet route", () => {
    const gpu = api.slice(api.indexOf(" AS gpu-libs"));
    expect(gpu).toMatch(/apt-get install -y --no-install-recommends python3-pip/);
    expect(gpu).toMatch(/^RUN .*node apps\/api\/bin\/medcap\.mjs gpu install$/m);
    expect(gpu).toMatch(/^COPY --from=gpu-libs \/opt\/medcap\/gpu \/opt\/medcap\/gpu$/m);
    expect(gpu).toMatch(/MEDCAP_GPU_DIR=\/opt\/medcap\/gpu/);
    expect(api).not.toMatch(/cuda12|install-scripts approve onnxruntime-node/);
    // onnxruntime-node's install script stays denied (the CPU build needs none; the GPU one uses pip).
    expect(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).allowScripts["onnxruntime-node"]).toBe(false);
  });

  it("ships the admin as Next's standalone server", () => {
    expect(admin).toMatch(/\.next\/standalone/);
    expect(admin).toMatch(/NEXT_OUTPUT=standalone npx next build/);
    expect(readFileSync(path.join(root, "apps/admin/next.config.ts"), "utf8")).toMatch(/NEXT_OUTPUT === "standalone" \? "standalone"/);
  });
});
