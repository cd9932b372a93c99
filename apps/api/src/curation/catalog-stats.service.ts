// Counts over the catalogue (datasets, cases, images, current captions) by split, modality and dataset, for `medcap stats`.
import type { PrismaClient } from "@medcap/db";

export interface CatalogStats {
  datasets: number;
  cases: number;
  images: number;
  captions: number;
  /** Keyed by lowercase split name. */
  bySplit: Record<string, { cases: number; images: number; captions: number }>;
  byModality: Record<string, number>;
  byDataset: Record<string, { cases: number; images: number }>;
}

export class CatalogStatsService {
  constructor(private readonly prisma: PrismaClient) {}

  async stats(): Promise<CatalogStats> {
    const [datasets, cases, images, captions, caseSplits, imageRows, modalities, datasetRows] = await Promise.all([
      this.prisma.dataset.count(),
      this.prisma.case.count(),
      this.prisma.image.count(),
      this.prisma.caption.count({ where: { isCurrent: true } }),
      this.prisma.case.groupBy({ by: ["split"], _count: { _all: true } }),
      this.prisma.$queryRaw<{ split: string; images: bigint; captions: bigint }[]>`
        select c.split::text as split, count(distinct i.id) as images, count(cap.id) as captions
        from "Image" i join "Case" c on c.id = i."caseId"
        left join "Caption" cap on cap."imageId" = i.id and cap."isCurrent"
        group by c.split`,
      this.prisma.image.groupBy({ by: ["modality"], _count: { _all: true } }),
      this.prisma.$queryRaw<{ name: string; cases: bigint; images: bigint }[]>`
        select d.name, count(distinct c.id) as cases, count(i.id) as images
        from "Dataset" d left join "Case" c on c."datasetId" = d.id left join "Image" i on i."caseId" = c.id
        group by d.name`,
    ]);
    const bySplit: CatalogStats["bySplit"] = {};
    for (const s of caseSplits) bySplit[s.split.toLowerCase()] = { cases: s._count._all, images: 0, captions: 0 };
    for (const r of imageRows) {
      const entry = (bySplit[r.split.toLowerCase()] ??= { cases: 0, images: 0, captions: 0 });
      entry.images = Number(r.images);
      entry.captions = Number(r.captions);
    }
    return {
      datasets,
      cases,
      images,
      captions,
      bySplit,
      byModality: Object.fromEntries(modalities.map((m) => [m.modality, m._count._all])),
      byDataset: Object.fromEntries(datasetRows.map((d) => [d.name, { cases: Number(d.cases), images: Number(d.images) }])),
    };
  }
}
