"use server";

import type { EvaluationProtocol, Split } from "../gql/graphql";
import { SPLITS } from "../lib/format";
import { query } from "../lib/session";
import { RunEvaluationDocument } from "../operations/evaluations.operations";
import { type ActionResult, toResult } from "./action.result";

const PROTOCOLS = ["RETRIEVAL", "CAPTION_LIBRARY", "SEED_TEMPLATE"] as const;

export async function runEvaluationAction(input: {
  protocol: string;
  split: string;
  modelVersionId?: string | undefined;
}): Promise<ActionResult<{ jobId: string }>> {
  if (!(PROTOCOLS as readonly string[]).includes(input.protocol) || !(SPLITS as readonly string[]).includes(input.split)) {
    return { ok: false, code: "BAD_USER_INPUT", error: "Choose a protocol and a split." };
  }
  return toResult(async () => {
    const { runEvaluation } = await query(RunEvaluationDocument, {
      protocol: input.protocol as EvaluationProtocol,
      split: input.split as Split,
      modelVersionId: input.modelVersionId || null,
    });
    return { jobId: runEvaluation.id };
  });
}
