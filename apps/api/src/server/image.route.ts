// GET /images/:id serves a stored image to authenticated callers; `?size=` returns a PNG thumbnail
// (longer side in pixels) for the admin app.
import { Router } from "express";
import type { PrismaClient } from "@medcap/db";
import sharp from "sharp";
import { sharpGate } from "../core/sharp.gate.js";
import { requireRole } from "../auth/role.policy.js";
import { isMedcapError } from "../core/errors.js";
import type { ImageStore } from "../core/image.store.js";
import { locals, sendError } from "./request.context.js";

const CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  jpg: "image/jpeg",
  webp: "image/webp",
  tiff: "image/tiff",
  gif: "image/gif",
};

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 };

export function imageRouter(prisma: PrismaClient, store: ImageStore, maxPixels: number): Router {
  const router = Router();
  router.get("/:id", async (req, res, next) => {
    const l = locals(res);
    try {
      requireRole(l.principal, "VIEWER", l.authError);
    } catch (err) {
      if (isMedcapError(err)) return sendError(res, STATUS[err.code] ?? 403, err.code, err.message);
      return next(err);
    }
    const sizeParam = req.query.size;
    let size: number | undefined;
    if (sizeParam !== undefined) {
      size = Number(sizeParam);
      if (!Number.isInteger(size) || size < 16 || size > 1024)
        return sendError(res, 400, "BAD_USER_INPUT", "size must be an integer between 16 and 1024");
    }
    try {
      const image = await prisma.image.findUnique({
        where: { id: req.params.id },
        select: { storedPath: true, format: true, sha256: true },
      });
      if (!image) return sendError(res, 404, "NOT_FOUND", `image ${req.params.id} not found`);
      const bytes = await store.read(image.storedPath);
      res.setHeader("Cache-Control", "private, max-age=3600");
      res.setHeader("ETag", `"${image.sha256}${size ? `-${size}` : ""}"`);
      if (size) {
        const thumb = await sharpGate.withShared(() =>
          sharp(bytes, { limitInputPixels: maxPixels }).resize(size, size, { fit: "inside", withoutEnlargement: true }).png().toBuffer(),
        );
        res.type("image/png").send(thumb);
        return;
      }
      res.type(CONTENT_TYPES[image.format] ?? "application/octet-stream").send(bytes);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
