"use server";

import { query } from "../lib/session";
import { JobDocument } from "../operations/jobs.operations";
import { toResult } from "./action.result";

export async function jobAction(id: string) {
  return toResult(async () => (await query(JobDocument, { id })).job);
}
