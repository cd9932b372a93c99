-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'CAPTION_AUDIT';

-- CreateTable
CREATE TABLE "CaptionSuspicion" (
    "id" TEXT NOT NULL,
    "captionId" TEXT NOT NULL,
    "captionRevision" INTEGER NOT NULL,
    "modelVersionId" TEXT,
    "inputSha256" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "reasons" JSONB NOT NULL,
    "reasonCodes" TEXT[],
    "dismissedBy" TEXT,
    "dismissedAt" TIMESTAMP(3),
    "dismissNote" TEXT,
    "flagId" TEXT,
    "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaptionSuspicion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CaptionSuspicion_captionId_key" ON "CaptionSuspicion"("captionId");

-- CreateIndex
CREATE INDEX "CaptionSuspicion_score_idx" ON "CaptionSuspicion"("score");

-- CreateIndex
CREATE INDEX "CaptionSuspicion_dismissedAt_score_idx" ON "CaptionSuspicion"("dismissedAt", "score");

-- AddForeignKey
ALTER TABLE "CaptionSuspicion" ADD CONSTRAINT "CaptionSuspicion_captionId_fkey" FOREIGN KEY ("captionId") REFERENCES "Caption"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaptionSuspicion" ADD CONSTRAINT "CaptionSuspicion_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;
