// API keys: the secret is random, shown once, and stored only as a sha256 hash plus a short prefix.
// sha256 (not a slow password hash) fits because secrets carry 256 bits of entropy.
import { createHash, randomBytes } from "node:crypto";
import type { ApiKeyModel, PrismaClient, Role } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { writeAudit } from "../core/audit.writer.js";
import { publicKey } from "./api-key.format.js";
import type { Principal } from "./role.policy.js";

export { bearerSecret, publicKey } from "./api-key.format.js";

const SECRET_PREFIX = "mcp_";
const SHOWN_PREFIX_LENGTH = SECRET_PREFIX.length + 6;
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Cached lookups at most; beyond it the cache starts over (it only saves a query per request). */
const CACHE_MAX_ENTRIES = 10_000;

export class ApiKeyService {
  /** Resolved keys by secret hash, so a request does not pay a Postgres round trip to authenticate. */
  private readonly cache = new Map<string, { principal: Principal; expiresAt: number; touchedAt: number }>();

  /**
   * @param cacheTtlMs how long a resolved key is trusted without asking Postgres (0 = always ask). A
   *   revocation through this service takes effect at once; one made by another process (the CLI,
   *   another replica) within this many milliseconds.
   */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cacheTtlMs = 0,
  ) {}

  async create(input: { label: string; role: Role }, actor: string): Promise<{ key: ApiKeyModel; secret: string }> {
    const label = input.label.trim();
    if (!label || label.length > 200) throw new MedcapError("BAD_USER_INPUT", "label must be 1..200 characters");
    const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
    const key = await this.prisma.$transaction(async (tx) => {
      const created = await tx.apiKey.create({
        data: { label, role: input.role, prefix: secret.slice(0, SHOWN_PREFIX_LENGTH), secretHash: hashSecret(secret) },
      });
      await writeAudit(tx, { actor, action: "apiKey.create", targetType: "ApiKey", targetId: created.id, after: publicKey(created) });
      return created;
    });
    return { key, secret };
  }

  list(): Promise<ApiKeyModel[]> {
    return this.prisma.apiKey.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  }

  async revoke(id: string, actor: string): Promise<ApiKeyModel> {
    const revoked = await this.prisma.$transaction(async (tx) => {
      const before = await tx.apiKey.findUnique({ where: { id } });
      if (!before) throw notFound("API key", id);
      if (before.revoked) return before;
      const after = await tx.apiKey.update({ where: { id }, data: { revoked: true, revokedAt: new Date() } });
      await writeAudit(tx, {
        actor,
        action: "apiKey.revoke",
        targetType: "ApiKey",
        targetId: id,
        before: publicKey(before),
        after: publicKey(after),
      });
      return after;
    });
    this.forget(id);
    return revoked;
  }

  private forget(keyId: string): void {
    for (const [hash, entry] of this.cache) if (entry.principal.keyId === keyId) this.cache.delete(hash);
  }

  /** Resolves a bearer secret to its principal; unknown and revoked keys are refused alike. */
  async authenticate(secret: string): Promise<Principal> {
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now) {
      if (now - cached.touchedAt > LAST_USED_RESOLUTION_MS) {
        cached.touchedAt = now;
        this.touch(cached.principal.keyId);
      }
      return cached.principal;
    }
    const key = await this.prisma.apiKey.findUnique({ where: { secretHash: hash } });
    if (!key || key.revoked) {
      this.cache.delete(hash);
      throw new MedcapError("UNAUTHENTICATED", "invalid or revoked API key");
    }
    let touchedAt = key.lastUsedAt?.getTime() ?? 0;
    if (now - touchedAt > LAST_USED_RESOLUTION_MS) {
      touchedAt = now;
      this.touch(key.id);
    }
    const principal = { keyId: key.id, label: key.label, role: key.role };
    if (this.cacheTtlMs > 0) {
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
      this.cache.set(hash, { principal, expiresAt: now + this.cacheTtlMs, touchedAt });
    }
    return principal;
  }

  private touch(keyId: string): void {
    // Best effort and off the request path: a lost update only makes lastUsedAt a minute staler.
    this.prisma.apiKey.update({ where: { id: keyId }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }

  get(id: string): Promise<ApiKeyModel | null> {
    return this.prisma.apiKey.findUnique({ where: { id } });
  }
}
