// The caption audit in a real browser against the real API (issue #25): a curator queues the audit job on
// the served model, an annotator works through the Audit page with the keyboard (flag → review queue),
// and viewers neither see the page's data nor its place in the navigation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, graphql, login, screenshot, startStack, withPage } from "./admin.harness.js";

let stack: Stack;
const JUNK = "Replace this - DESCRIPTION OF THE IMAGE OR FINDINGS.";

beforeAll(async () => {
  stack = await startStack();
}, 600_000);

afterAll(async () => {
  await stack?.stop();
});

describe("admin in a browser: caption audit", () => {
  it("a curator's audit job finds a template leftover; an annotator flags it from the Audit page with f", async () => {
    const { cases } = await graphql<{ cases: { edges: { node: { images: { caption: { id: string } | null }[] } }[] } }>(
      stack.apiUrl,
      stack.keys.curator,
      "{ cases(first: 1) { edges { node { images { caption { id } } } } } }",
    );
    const captionId = cases.edges[0]?.node.images[0]?.caption?.id as string;
    await graphql(stack.apiUrl, stack.keys.curator, "mutation($id: ID!, $t: String!) { updateCaption(id: $id, text: $t) { id } }", {
      id: captionId,
      t: JUNK,
    });
    const { runCaptionAudit } = await graphql<{ runCaptionAudit: { id: string } }>(
      stack.apiUrl,
      stack.keys.curator,
      "mutation { runCaptionAudit { id } }",
    );
    await expect
      .poll(
        async () =>
          (
            await graphql<{ job: { status: string } }>(stack.apiUrl, stack.keys.curator, "query($id: ID!) { job(id: $id) { status } }", {
              id: runCaptionAudit.id,
            })
          ).job.status,
        { timeout: 120_000, interval: 500 },
      )
      .toBe("SUCCEEDED");

    await withPage(stack, async (page) => {
      await login(page, stack.keys.annotator);
      await page.goto("/");
      await page.getByTestId("suspicion-count").waitFor();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
      await page.getByRole("heading", { name: "Caption audit" }).waitFor();
      const first = page.getByTestId("suspicion").first();
      await first.waitFor();
      expect(await first.textContent()).toContain(JUNK);
      expect(await first.textContent()).toContain("Placeholder");
      await screenshot(page, "20-audit-page");
      const junkCards = async () => (await page.getByTestId("suspicion").allTextContents()).filter((t) => t.includes(JUNK)).length;
      const before = await junkCards();
      await page.keyboard.press("f");
      await expect.poll(junkCards, { timeout: 30_000 }).toBe(before - 1);
      await page.goto("/review");
      const flag = page.getByTestId("review-flag");
      await flag.waitFor();
      expect(await flag.textContent()).toContain("PLACEHOLDER");
    });
  });

  it("a viewer sees no Audit page: not in the navigation, refused on the page, no count on the dashboard", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.viewer);
      await page.goto("/");
      expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).count()).toBe(0);
      expect(await page.getByTestId("suspicion-count").count()).toBe(0);
      await page.goto("/audit");
      await page.getByText("cannot see the caption audit").waitFor();
      expect(await page.getByTestId("suspicion").count()).toBe(0);
    });
  });
});
