// Reads of the catalogue for clients: case lists with filters and cursors, datasets (counts: catalog-stats.service.ts).
import type { CaseModel, DatasetModel, ModalityType, Prisma, PrismaClient, Split } from "@medcap/db";
import { MedcapError } from "../core/errors.js";
import { type CursorPage, decodeCursor, pageSize, toConnection } from "./pagination.js";

export interface CaseFilter {
  datasets?: string[] | null;
  splits?: Split[] | null;
  modalities?: ModalityType[] | null;
  planes?: string[] | null;
  locationCategories?: string[] | null;
  text?: string | null;
}

const nonEmpty = <T>(v: T[] | null | undefined): v is T[] => Array.isArray(v) && v.length > 0;

export function caseWhere(filter: CaseFilter | null | undefined): Prisma.CaseWhereInput {
  const and: Prisma.CaseWhereInput[] = [];
  if (!filter) return {};
  if (nonEmpty(filter.datasets)) and.push({ dataset: { name: { in: filter.datasets } } });
  if (nonEmpty(filter.splits)) and.push({ split: { in: filter.splits } });
  const image: Prisma.ImageWhereInput = {};
  if (nonEmpty(filter.modalities)) image.modality = { in: filter.modalities };
  if (nonEmpty(filter.planes)) image.plane = { in: filter.planes, mode: "insensitive" };
  if (nonEmpty(filter.locationCategories)) image.locationCategory = { in: filter.locationCategories, mode: "insensitive" };
  if (Object.keys(image).length) and.push({ images: { some: image } });
  const raw = filter.text?.trim();
  if (raw) {
    if (raw.length > 200) throw new MedcapError("BAD_USER_INPUT", "text filter is longer than 200 characters");
    const text = escapeLike(raw);
    and.push({
      OR: [
        { title: { contains: text, mode: "insensitive" } },
        { caseDiagnosis: { contains: text, mode: "insensitive" } },
        { topicTitle: { contains: text, mode: "insensitive" } },
      ],
    });
  }
  return and.length ? { AND: and } : {};
}

/**
 * Prisma passes `contains` to Postgres ILIKE unescaped, so `%` and `_` in a search acted as wildcards
 * (`%` matched every case). Backslash is ILIKE's default escape character.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

export class CatalogService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Cases ordered by id (stable under inserts of any order), paged by cursor. */
  async cases(args: { filter?: CaseFilter | null; first?: number | null; after?: string | null }): Promise<CursorPage<CaseModel>> {
    const size = pageSize(args.first);
    const where = caseWhere(args.filter);
    const afterId = args.after ? decodeCursor(args.after) : undefined;
    const [rows, totalCount] = await Promise.all([
      this.prisma.case.findMany({
        where: afterId ? { AND: [where, { id: { gt: afterId } }] } : where,
        orderBy: { id: "asc" },
        take: size + 1,
      }),
      this.prisma.case.count({ where }),
    ]);
    return toConnection(rows, size, totalCount);
  }

  datasets(): Promise<DatasetModel[]> {
    return this.prisma.dataset.findMany({ orderBy: { name: "asc" } });
  }
}
