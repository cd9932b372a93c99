// Creating and editing cases; every change is audited in its own transaction.
import type { CaseModel, PrismaClient, Split } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { writeAudit } from "../core/audit.writer.js";

const TEXT_FIELDS = [
  "title",
  "history",
  "exam",
  "findings",
  "differentialDiagnosis",
  "caseDiagnosis",
  "diagnosisBy",
  "topicTitle",
  "diseaseDiscussion",
  "acrCode",
  "category",
] as const;
type TextField = (typeof TEXT_FIELDS)[number];
type CaseText = { [K in TextField]?: string | null };

export interface CreateCaseInput extends CaseText {
  dataset: string;
  externalId: string;
  split: Split;
}

export interface UpdateCaseInput extends CaseText {
  split?: Split | null;
}

const MAX_TEXT = 100_000;

function cleanText(input: CaseText): CaseText {
  const out: CaseText = {};
  for (const field of TEXT_FIELDS) {
    const v = input[field];
    if (v === undefined) continue;
    if (v !== null && v.length > MAX_TEXT) throw new MedcapError("BAD_USER_INPUT", `${field} is longer than ${MAX_TEXT} characters`);
    out[field] = v === null ? null : v.trim() || null;
  }
  return out;
}

export class CaseService {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: CreateCaseInput, actor: string): Promise<CaseModel> {
    const datasetName = input.dataset.trim();
    const externalId = input.externalId.trim();
    if (!datasetName) throw new MedcapError("BAD_USER_INPUT", "dataset must not be empty");
    if (!externalId) throw new MedcapError("BAD_USER_INPUT", "externalId must not be empty");
    return this.prisma.$transaction(async (tx) => {
      let dataset = await tx.dataset.findUnique({ where: { name: datasetName } });
      if (!dataset) {
        dataset = await tx.dataset.create({ data: { name: datasetName, source: "created through the API" } });
        await writeAudit(tx, { actor, action: "dataset.create", targetType: "Dataset", targetId: dataset.id, after: dataset });
      }
      const clash = await tx.case.findUnique({ where: { datasetId_externalId: { datasetId: dataset.id, externalId } } });
      if (clash) throw new MedcapError("BAD_USER_INPUT", `case ${externalId} already exists in ${datasetName}`, { caseId: clash.id });
      const created = await tx.case.create({ data: { ...cleanText(input), datasetId: dataset.id, externalId, split: input.split } });
      await writeAudit(tx, { actor, action: "case.create", targetType: "Case", targetId: created.id, after: created });
      return created;
    });
  }

  async update(id: string, input: UpdateCaseInput, actor: string): Promise<CaseModel> {
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.case.findUnique({ where: { id } });
      if (!before) throw notFound("case", id);
      const data = { ...cleanText(input), ...(input.split ? { split: input.split } : {}) };
      const after = await tx.case.update({ where: { id }, data });
      await writeAudit(tx, { actor, action: "case.update", targetType: "Case", targetId: id, before, after });
      return after;
    });
  }
}
