// The real server over real HTTP against embedded Postgres: who may call which mutation, and the
// curation round trip (cases, images, captions, flags, keys, model versions), all audited.
import { seedCase } from "@medcap/db/testing";
import { CaptionAuditService } from "../audit/caption.audit.service.js";
import { ApiKeyService } from "../auth/api-key.service.js";
import { roleBelow } from "../auth/role.policy.js";
import { MUTATION_ACCESS } from "../graphql/operation.roles.js";
import { sha256Hex } from "../core/image.store.js";
import { EmbeddingRepository } from "../search/embedding.repository.js";
import { activateModelVersion } from "../lifecycle/model.registry.js";
import type { Role } from "@medcap/db";
import { describe, expect, it } from "vitest";
import { ctx, fake, keyRows, modelVersionId, gql, upload, codeOf, pngOf, useHttpServer } from "../../test/http.harness.js";

useHttpServer();

/** A case of its own for one role-matrix call (one image, one current caption), so no other test sees its edits. */
async function roleCase(name: string) {
  const c = await seedCase(ctx.db.prisma, {
    dataset: "roles",
    externalId: `role-${name}`,
    images: [{ externalId: `role-${name}_a`, caption: `role check ${name}` }],
  });
  const caption = await ctx.db.prisma.caption.findFirstOrThrow({ where: { image: { caseId: c.id }, isCurrent: true } });
  return { caseId: c.id, captionId: caption.id };
}

/** A role case whose caption is a template leftover, audited, so it holds an open suspicion. */
async function roleSuspicion(name: string) {
  const c = await seedCase(ctx.db.prisma, {
    dataset: "roles-audit",
    externalId: `role-${name}`,
    images: [{ externalId: `role-${name}_a`, caption: "Replace this - DESCRIPTION OF THE IMAGE OR FINDINGS." }],
  });
  await new CaptionAuditService(ctx.db.prisma, ctx.logger).run({ dataset: "roles-audit" });
  const s = await ctx.db.prisma.captionSuspicion.findFirstOrThrow({ where: { caption: { image: { caseId: c.id } } } });
  return s.id;
}

/** Each mutation with real arguments (fixtures made per call), so the call at the required role has to succeed. */
const mutationCalls: Record<keyof typeof MUTATION_ACCESS, () => Promise<[string, Record<string, unknown>]>> = {
  createCase: async () => ['mutation { createCase(input: { dataset: "roles", externalId: "role-create", split: TRAIN }) { id } }', {}],
  updateCase: async () => [
    'mutation($id: ID!) { updateCase(id: $id, input: { title: "t" }) { id } }',
    { id: (await roleCase("update")).caseId },
  ],
  addImage: async () => [
    "mutation($in: AddImageInput!) { addImage(input: $in) { id } }",
    {
      in: {
        caseId: (await roleCase("add")).caseId,
        image: { base64: (await pngOf(24, 16, 77)).toString("base64") },
        caption: "c",
        modality: "CT",
      },
    },
  ],
  updateCaption: async () => [
    'mutation($id: ID!) { updateCaption(id: $id, text: "t") { id } }',
    { id: (await roleCase("caption")).captionId },
  ],
  flagCaption: async () => [
    "mutation($id: ID!) { flagCaption(captionId: $id, reason: OTHER) { id } }",
    { id: (await roleCase("flag")).captionId },
  ],
  resolveFlag: async () => {
    const flag = await gql("ANNOTATOR", "mutation($id: ID!) { flagCaption(captionId: $id, reason: OTHER) { id } }", {
      id: (await roleCase("resolve")).captionId,
    });
    return ["mutation($id: ID!) { resolveFlag(id: $id, decision: REJECT) { id } }", { id: flag.data?.flagCaption.id }];
  },
  dismissSuspicion: async () => [
    'mutation($id: ID!) { dismissSuspicion(id: $id, note: "fine") { id dismissed } }',
    { id: await roleSuspicion("dismiss") },
  ],
  flagFromSuspicion: async () => ["mutation($id: ID!) { flagFromSuspicion(id: $id) { id } }", { id: await roleSuspicion("flag") }],
  runCaptionAudit: async () => ['mutation { runCaptionAudit(dataset: "roles-audit") { id kind } }', {}],
  reindex: async () => ["mutation { reindex { id } }", {}],
  runEvaluation: async () => ["mutation { runEvaluation(protocol: RETRIEVAL, split: DEV) { id } }", {}],
  // The version that is already active: the call succeeds and leaves the served model as it was.
  activateModelVersion: async () => ["mutation($id: ID!) { activateModelVersion(id: $id) { id } }", { id: modelVersionId }],
  createApiKey: async () => ['mutation { createApiKey(label: "role-check", role: VIEWER) { secret } }', {}],
  revokeApiKey: async () => {
    const { key } = await new ApiKeyService(ctx.db.prisma).create({ label: "role-revoke", role: "VIEWER" }, "test");
    return ["mutation($id: ID!) { revokeApiKey(id: $id) { id } }", { id: key.id }];
  },
};

describe("role matrix", () => {
  for (const [field, required] of Object.entries(MUTATION_ACCESS) as [keyof typeof MUTATION_ACCESS, Role][]) {
    it(`${field} needs ${required}: UNAUTHENTICATED without a key, FORBIDDEN for the role below, succeeds at ${required}`, async () => {
      const [doc, vars] = await mutationCalls[field]();
      const auditsBefore = await ctx.db.prisma.auditLog.count();
      expect(codeOf(await gql("none", doc, vars))).toBe("UNAUTHENTICATED");
      const below = roleBelow(required);
      if (below) expect(codeOf(await gql(below, doc, vars))).toBe("FORBIDDEN");
      // Refused calls change nothing, so they leave no audit entry.
      expect(await ctx.db.prisma.auditLog.count()).toBe(auditsBefore);
      const allowed = await gql(required, doc, vars);
      expect(allowed.errors).toBeUndefined();
      expect(allowed.data?.[field]).toBeTruthy();
      expect(await ctx.db.prisma.auditLog.count()).toBeGreaterThan(auditsBefore);
    });
  }

  it("captionSuspicions is for annotators and up: viewers cannot see suspicions", async () => {
    await roleSuspicion("list");
    const q =
      "{ captionSuspicions(first: 5) { totalCount edges { node { score reasons { code detail words } images { id } caption { text } } } } }";
    expect(codeOf(await gql("none", q))).toBe("UNAUTHENTICATED");
    expect(codeOf(await gql("VIEWER", q))).toBe("FORBIDDEN");
    const allowed = await gql("ANNOTATOR", q);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data?.captionSuspicions.totalCount).toBeGreaterThanOrEqual(1);
    expect(allowed.data?.captionSuspicions.edges[0].node.reasons[0].code).toBe("PLACEHOLDER");
  });

  it("apiKeys is for admins", async () => {
    expect(codeOf(await gql("CURATOR", "{ apiKeys { id } }"))).toBe("FORBIDDEN");
    expect((await gql("ADMIN", "{ apiKeys { id secretHash: prefix } }")).data?.apiKeys.length).toBeGreaterThanOrEqual(4);
  });
});

describe("curation round trip", () => {
  it("create → update case, add an image, edit its caption, flag → accept with corrected text, all audited", async () => {
    const prisma = ctx.db.prisma;
    const created = await gql(
      "CURATOR",
      'mutation { createCase(input: { dataset: "curated", externalId: "C-1", split: TRAIN, title: "  Draft  " }) { id title dataset { name } } }',
    );
    expect(created.errors).toBeUndefined();
    const caseId = created.data?.createCase.id as string;
    expect(created.data?.createCase).toMatchObject({ title: "Draft", dataset: { name: "curated" } });
    const dup = await gql("CURATOR", 'mutation { createCase(input: { dataset: "curated", externalId: "C-1", split: TRAIN }) { id } }');
    expect(codeOf(dup)).toBe("BAD_USER_INPUT");

    const updated = await gql(
      "CURATOR",
      'mutation($id: ID!) { updateCase(id: $id, input: { title: "Final", split: DEV }) { title split } }',
      { id: caseId },
    );
    expect(updated.data?.updateCase).toEqual({ title: "Final", split: "DEV" });

    const addQ =
      "mutation($in: AddImageInput!) { addImage(input: $in) { id width height format caption { id text source revision } case { id } } }";
    const image = await pngOf(40, 30, 200);
    const added = await upload(
      "CURATOR",
      addQ,
      { in: { caseId, image: { upload: null }, caption: "Axial CT   of the chest", modality: "CT", plane: "Axial" } },
      "variables.in.image.upload",
      image,
    );
    expect(added.errors).toBeUndefined();
    const img = added.data?.addImage;
    expect(img).toMatchObject({
      width: 40,
      height: 30,
      format: "png",
      caption: { text: "Axial CT of the chest", source: "CURATED", revision: 1 },
      case: { id: caseId },
    });
    expect(fake.callsTo("indexImage").at(-1)?.args).toEqual([img.id]);
    const stored = await prisma.image.findUniqueOrThrow({ where: { id: img.id } });
    expect((await ctx.images.read(stored.storedPath)).equals(image)).toBe(true);
    const corruptAdd = await gql("CURATOR", addQ, {
      in: { caseId, image: { base64: image.subarray(0, 60).toString("base64") }, caption: "x", modality: "CT" },
    });
    expect(codeOf(corruptAdd)).toBe("BAD_USER_INPUT");
    const byIdAdd = await gql("CURATOR", addQ, { in: { caseId, image: { imageId: img.id }, caption: "x", modality: "CT" } });
    expect(codeOf(byIdAdd)).toBe("BAD_USER_INPUT");

    const captionId = img.caption.id as string;
    const edited = await gql(
      "CURATOR",
      'mutation($id: ID!) { updateCaption(id: $id, text: "Axial CT of the chest with contrast", comment: "typo") { text revision revisions { revision text author comment } } }',
      { id: captionId },
    );
    expect(edited.data?.updateCaption.revision).toBe(2);
    expect(edited.data?.updateCaption.revisions[1]).toEqual({
      revision: 2,
      text: "Axial CT of the chest with contrast",
      author: `test-curator (key ${keyRows.CURATOR.id})`,
      comment: "typo",
    });
    expect(fake.callsTo("reindexCaption").at(-1)?.args).toEqual([captionId]);

    const flagged = await gql(
      "ANNOTATOR",
      'mutation($id: ID!) { flagCaption(captionId: $id, reason: WRONG_ANATOMY, note: "this is the abdomen") { id status reason note raisedBy caption { id } } }',
      { id: captionId },
    );
    expect(flagged.data?.flagCaption).toMatchObject({
      status: "OPEN",
      reason: "WRONG_ANATOMY",
      note: "this is the abdomen",
      caption: { id: captionId },
    });
    const flagId = flagged.data?.flagCaption.id as string;
    const open = await gql("VIEWER", "{ flags(status: OPEN) { totalCount edges { node { id } } } }");
    expect(open.data?.flags.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(flagId);

    const reindexCalls = fake.callsTo("reindexCaption").length;
    const resolved = await gql(
      "CURATOR",
      'mutation($id: ID!) { resolveFlag(id: $id, decision: ACCEPT, correctedText: "Axial CT of the abdomen", comment: "agreed") { status resolvedBy resolutionComment correctedText resolvedAt caption { text revision revisions { revision text } } } }',
      { id: flagId },
    );
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data?.resolveFlag).toMatchObject({
      status: "ACCEPTED",
      resolutionComment: "agreed",
      correctedText: "Axial CT of the abdomen",
      caption: { text: "Axial CT of the abdomen", revision: 3 },
    });
    expect(resolved.data?.resolveFlag.caption.revisions.map((r: { revision: number }) => r.revision)).toEqual([1, 2, 3]);
    expect(fake.callsTo("reindexCaption").length).toBe(reindexCalls + 1);
    expect(fake.callsTo("reindexCaption").at(-1)?.args).toEqual([captionId]);
    expect(codeOf(await gql("CURATOR", "mutation($id: ID!) { resolveFlag(id: $id, decision: REJECT) { id } }", { id: flagId }))).toBe(
      "BAD_USER_INPUT",
    );

    const second = await gql("ANNOTATOR", "mutation($id: ID!) { flagCaption(captionId: $id, reason: OTHER) { id } }", { id: captionId });
    const rejected = await gql(
      "CURATOR",
      'mutation($id: ID!) { resolveFlag(id: $id, decision: REJECT, comment: "caption is fine") { status caption { revision } } }',
      { id: second.data?.flagCaption.id },
    );
    expect(rejected.data?.resolveFlag).toEqual({ status: "REJECTED", caption: { revision: 3 } });
    expect(fake.callsTo("reindexCaption").length).toBe(reindexCalls + 1);

    const audits = await prisma.auditLog.findMany({ where: { actor: { contains: "(key " } }, orderBy: { at: "asc" } });
    const actions = audits.map((a) => a.action);
    for (const action of [
      "dataset.create",
      "case.create",
      "case.update",
      "image.add",
      "caption.update",
      "flag.raise",
      "caption.correct",
      "flag.resolve",
    ]) {
      expect(actions).toContain(action);
    }
    const correction = audits.find((a) => a.action === "caption.correct")!;
    expect(correction.actor).toBe(`test-curator (key ${keyRows.CURATOR.id})`);
    expect(correction.before).toMatchObject({ text: "Axial CT of the chest with contrast", revision: 2 });
    expect(correction.after).toMatchObject({ text: "Axial CT of the abdomen", revision: 3 });
    const caseUpdate = audits.find((a) => a.action === "case.update" && a.targetId === caseId)!;
    expect(caseUpdate.before).toMatchObject({ title: "Draft", split: "TRAIN" });
    expect(caseUpdate.after).toMatchObject({ title: "Final", split: "DEV" });
  });

  it("admins create keys whose secret works once shown, and revoke them", async () => {
    const created = await gql(
      "ADMIN",
      'mutation { createApiKey(label: "frontend", role: ANNOTATOR) { secret key { id role label prefix } } }',
    );
    const { secret, key } = created.data!.createApiKey as { secret: string; key: { id: string; prefix: string } };
    expect(secret.startsWith(key.prefix)).toBe(true);
    const row = await ctx.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.secretHash).not.toContain(secret);
    expect((await gql(secret, "{ me { label role } }")).data?.me).toEqual({ label: "frontend", role: "ANNOTATOR" });
    const revoked = await gql("ADMIN", "mutation($id: ID!) { revokeApiKey(id: $id) { revoked revokedAt } }", { id: key.id });
    expect(revoked.data?.revokeApiKey.revoked).toBe(true);
    expect(codeOf(await gql(secret, "{ me { label } }"))).toBe("UNAUTHENTICATED");
    const audit = await ctx.db.prisma.auditLog.findMany({ where: { targetId: key.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(["apiKey.create", "apiKey.revoke"]);
    expect(JSON.stringify(audit)).not.toContain(row.secretHash);
  });

  it("activates a model version only once everything is indexed under it", async () => {
    const prisma = ctx.db.prisma;
    const other = await prisma.modelVersion.findFirstOrThrow({ where: { version: "2" } });
    const images = await prisma.image.findMany({ select: { id: true, sha256: true } });
    const captions = await prisma.caption.findMany({ where: { isCurrent: true }, select: { id: true, text: true } });
    const refused = await gql("ADMIN", "mutation($id: ID!) { activateModelVersion(id: $id) { id } }", { id: other.id });
    expect(codeOf(refused)).toBe("CONFLICT");
    expect(refused.errors?.[0]?.message).toContain(`${images.length} images and ${captions.length} captions are not indexed`);
    expect((await prisma.modelVersion.findUniqueOrThrow({ where: { id: other.id } })).active).toBe(false);
    // Index it (stand-in vectors: the fake model has no encoder), then activation goes through.
    const repo = new EmbeddingRepository(prisma);
    const v = new Float32Array([1, 0, 0, 0]);
    await repo.save(
      other.id,
      "IMAGE",
      images.map((i) => ({ targetId: i.id, contentSha256: i.sha256, vector: v })),
    );
    await repo.save(
      other.id,
      "CAPTION",
      captions.map((c) => ({ targetId: c.id, contentSha256: sha256Hex(c.text), vector: v })),
    );
    const r = await gql("ADMIN", "mutation($id: ID!) { activateModelVersion(id: $id) { id active } }", { id: other.id });
    expect(r.data?.activateModelVersion).toEqual({ id: other.id, active: true });
    const versions = await ctx.db.prisma.modelVersion.findMany({ where: { active: true } });
    expect(versions.map((v) => v.id)).toEqual([other.id]);
    // Back to the first version (its index is incomplete too): the flag is restored directly.
    await activateModelVersion(prisma, modelVersionId, "test");
  });
});
