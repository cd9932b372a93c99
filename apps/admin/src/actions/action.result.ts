import { unstable_rethrow } from "next/navigation";
import { describeError } from "../components/states";

/** What every server action returns: the client shows `error` in place, never a crashed page. */
export type ActionResult<T = undefined> =
  | { ok: true; data: T; error?: undefined; code?: undefined }
  | { ok: false; error: string; code: string; data?: undefined };

export async function toResult<T>(run: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await run() };
  } catch (err) {
    unstable_rethrow(err);
    const { title, detail, code } = describeError(err);
    return { ok: false, code, error: `${title}: ${detail}` };
  }
}
