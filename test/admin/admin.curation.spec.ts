// The admin in a real browser against the real API (see admin.search.spec.ts): flags and the review queue,
// caption edits, role refusals, evaluations and re-index jobs, API keys. Screenshots: test-results/admin/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { type Stack, graphql, login, withPage, screenshot, startStack } from "./admin.harness.js";

let stack: Stack;

/** After a decision: the queue is empty, or the next flag's buttons are usable again (the save has finished). */
async function queueSettled(page: Page): Promise<void> {
  await expect
    .poll(
      async () =>
        (await page.getByText("The queue is empty.").isVisible()) ||
        (await page
          .getByRole("button", { name: /^Accept/ })
          .isEnabled()
          .catch(() => false)),
      { timeout: 30_000 },
    )
    .toBe(true);
}

beforeAll(async () => {
  stack = await startStack();
}, 600_000);

afterAll(async () => {
  await stack?.stop();
});

describe("admin in a browser: curation, roles, jobs and keys", () => {
  it("an annotator flags captions; a curator accepts one with corrected text (sees the revision) and rejects one", async () => {
    const corrected = "Coronal CT: enlarged prostate with coarse calcifications; no dominant mass (curated in e2e).";
    const acceptNote = "Calcifications are in the prostate, not the bladder wall; say so.";
    const rejectNote = "I think the plane is wrong here.";
    await withPage(
      stack,
      async (page) => {
        await login(page, stack.keys.annotator);
        await page.goto(`/cases?q=${encodeURIComponent(stack.sample.title)}`);
        await page.getByRole("link", { name: stack.sample.externalId, exact: true }).click();
        const images = page.locator("article.case-image");
        await images.first().waitFor();
        expect(await images.count()).toBeGreaterThanOrEqual(2);
        // Annotators flag; they do not edit.
        expect(await page.getByRole("button", { name: /Edit caption/ }).count()).toBe(0);
        for (const [index, reason, note] of [
          [0, "WRONG_FINDING", acceptNote],
          [1, "WRONG_ANATOMY", rejectNote],
        ] as const) {
          const image = images.nth(index);
          await image.getByRole("button", { name: /Flag caption/ }).click();
          await image.getByLabel("Reason").selectOption(reason);
          await image.getByLabel("Note for the curator").fill(note);
          if (index === 0) await screenshot(page, "08-annotator-flag-form");
          await image.getByRole("button", { name: "Submit flag" }).click();
          await image.getByText("Flagged · a curator will review it").waitFor();
        }
        await page.reload();
        await images.first().getByText("1 open flag").waitFor();
        await screenshot(page, "09-annotator-flagged");
      },
      "annotator-flag",
    );

    await withPage(
      stack,
      async (page) => {
        await login(page, stack.keys.curator);
        await page.goto("/review");
        const card = page.getByTestId("review-flag");
        await card.waitFor();
        await page.getByText("Flag 1 of 2").waitFor();
        expect(await page.getByLabel("Keyboard shortcuts").textContent()).toMatch(/j.*k.*a.*r.*e/s);
        // j/k move through the queue.
        const firstNote = await card.textContent();
        await page.keyboard.press("j");
        await page.getByText("Flag 2 of 2").waitFor();
        expect(await card.textContent()).not.toBe(firstNote);
        await page.keyboard.press("k");
        await page.getByText("Flag 1 of 2").waitFor();
        // w shows why the model matches the image and its caption; w again hides it.
        await page.keyboard.press("w");
        await card.getByTestId("explain-heat").waitFor({ timeout: 120_000 });
        expect(await card.getByTestId("word-weights").locator(".word-weight").count()).toBeGreaterThan(0);
        await screenshot(page, "10a-review-why");
        await page.keyboard.press("w");
        expect(await card.getByTestId("explain-heat").count()).toBe(0);

        for (let handled = 0; handled < 2; handled++) {
          await card.waitFor();
          const text = (await card.textContent()) ?? "";
          if (text.includes(rejectNote)) {
            // r without a comment asks for one; with it, rejects.
            await page.keyboard.press("r");
            expect(await page.evaluate<string | undefined>("document.activeElement?.id")).toBe("comment");
            await page.getByLabel("Comment").fill("Plane matches the image; keeping the caption.");
            await page.keyboard.press("Escape");
            await page.keyboard.press("r");
            await page.getByText("Rejected. The caption stays as it was.").waitFor();
            await queueSettled(page);
          } else {
            expect(text).toContain(acceptNote);
            // e focuses the editor; Esc leaves it; a accepts, all from the keyboard.
            await page.keyboard.press("e");
            expect(await page.evaluate<string | undefined>("document.activeElement?.id")).toBe("corrected");
            await page.getByLabel(/Corrected caption/).fill(corrected);
            await screenshot(page, "10-review-queue");
            await page.keyboard.press("Escape");
            await page.keyboard.press("a");
            await page.getByText(/Accepted\. The caption is now at revision 2\./).waitFor();
            await queueSettled(page);
          }
        }
        await page.getByText("The queue is empty.").waitFor();
        await page.getByRole("link", { name: "See it in the case" }).click();
        await page.waitForURL(/\/cases\//);
        const first = page.locator("article.case-image").first();
        expect(await first.getByTestId("caption-text").textContent()).toBe(corrected);
        const revisions = first.getByTestId("revisions");
        await revisions.waitFor();
        const text = (await revisions.textContent()) ?? "";
        expect(text).toContain("r2");
        expect(text).toContain(corrected);
        expect(text).toContain("r1");
        expect(await first.getByTestId("flags").textContent()).toContain("Accepted");
        const second = page.locator("article.case-image").nth(1);
        expect(await second.getByTestId("flags").textContent()).toContain("Rejected");
        expect(await second.locator(".label").first().textContent()).toContain("revision 1");
        await screenshot(page, "11-curator-sees-revision");

        await page.goto("/review?status=REJECTED");
        await card.waitFor();
        expect(await card.textContent()).toContain("Plane matches the image");
      },
      "curator-resolve",
    );
  });

  it("a curator edits a caption directly and the case shows the new revision with its comment", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.curator);
      await page.goto("/cases?q=" + encodeURIComponent(stack.sample.title));
      await page.getByRole("link", { name: stack.sample.externalId, exact: true }).click();
      const second = page.locator("article.case-image").nth(1);
      await second.waitFor();
      const edit = second.getByRole("button", { name: /Edit caption/ });
      const form = second.getByRole("form", { name: "Edit caption" });
      const caption = second.getByLabel("Caption", { exact: true });
      const focused = () => page.evaluate<string | undefined>("document.activeElement?.textContent ?? undefined");
      // Opening focuses the first field; Esc closes and gives focus back to the button.
      await edit.click();
      await form.waitFor();
      expect(await page.evaluate<string | undefined>("document.activeElement?.tagName")).toBe("TEXTAREA");
      await page.keyboard.press("Escape");
      await form.waitFor({ state: "detached" });
      expect(await focused()).toContain("Edit caption");
      // Blanks pass `required` but not the action: the error shows in place with its code, the text stays.
      await edit.click();
      await caption.fill("   ");
      await page.keyboard.press("Control+Enter");
      const refused = form.getByRole("alert");
      await refused.waitFor();
      expect(await refused.getAttribute("data-code")).toBe("BAD_USER_INPUT");
      expect(await refused.textContent()).toContain("The caption cannot be empty.");
      expect(await caption.inputValue()).toBe("   ");
      await caption.fill("Axial CT: thick-walled bladder with a small right posterolateral diverticulum.");
      await second.getByLabel(/Why/).fill("spelling and laterality");
      // Ctrl+Enter sends from the textarea too.
      await caption.focus();
      await page.keyboard.press("Control+Enter");
      await form.waitFor({ state: "detached" });
      await second.getByText("revision 2").first().waitFor();
      expect(await second.getByTestId("caption-text").textContent()).toBe(
        "Axial CT: thick-walled bladder with a small right posterolateral diverticulum.",
      );
      expect(await second.getByTestId("revisions").textContent()).toContain("spelling and laterality");
      await screenshot(page, "12-curator-edited-caption");
    });
  });

  it("a curator adds an image: the model suggests modality, plane and region, the curator confirms, the case shows it", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.curator);
      await page.goto("/cases?q=" + encodeURIComponent(stack.sample.title));
      await page.getByRole("link", { name: stack.sample.externalId, exact: true }).click();
      const images = page.locator("article.case-image");
      await images.first().waitFor();
      const before = await images.count();
      await page.getByTestId("add-image-open").click();
      const form = page.getByTestId("add-image-form");
      // The sample is a coronal non-contrast CT of a genitourinary case: the heads' suggestions are marked as such.
      // As a JPEG export of the same film: new bytes, so a new image (the catalogue is content-addressed).
      const jpeg = await sharp(stack.sample.imagePath).jpeg({ quality: 90 }).toBuffer();
      await form.locator('input[type="file"]').setInputFiles({ name: "new-film.jpg", mimeType: "image/jpeg", buffer: jpeg });
      await form.getByTestId("suggested-modality").waitFor({ timeout: 60_000 });
      expect(await form.locator('select[name="modality"]').inputValue()).toBe("CT");
      expect(await form.getByTestId("add-image-note").textContent()).toContain("check each before adding");
      expect(await form.locator('select[name="locationCategory"]').inputValue()).not.toBe("");
      await screenshot(page, "12b-curator-add-image-suggestions");
      // Changing a suggested field makes it the curator's: the mark goes.
      await form.locator('select[name="plane"]').selectOption("Axial");
      expect(await form.getByTestId("suggested-plane").count()).toBe(0);
      await form.locator('textarea[name="caption"]').fill("Axial CT added in the e2e test: pelvis without contrast.");
      await form.getByRole("button", { name: "Add image" }).click();
      await form.waitFor({ state: "detached", timeout: 60_000 });
      await expect.poll(() => images.count(), { timeout: 30_000 }).toBe(before + 1);
      expect(await page.getByText("Axial CT added in the e2e test: pelvis without contrast.").count()).toBeGreaterThan(0);
    });
  });

  it("a viewer is refused: no curation controls, no key management, and the API says FORBIDDEN", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.viewer);
      expect(await page.getByTestId("role").textContent()).toBe("viewer");
      expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).count()).toBe(0);
      // `?` lists the shortcuts for this role (no `g k` for a viewer); Esc closes the list.
      const help = page.getByTestId("shortcuts-help");
      await page.locator("[data-testid=shortcuts-help][data-ready]").waitFor({ state: "attached" });
      await page.keyboard.press("?");
      await help.getByRole("heading", { name: "Shortcuts" }).waitFor();
      const listed = (await help.textContent()) ?? "";
      expect(listed).toContain("Cases");
      expect(listed).toContain("Review queue");
      expect(listed).not.toContain("API keys");
      await page.keyboard.press("Escape");
      await help.waitFor({ state: "hidden" });
      // `g c` goes to the cases, `/` focuses their search field, `g k` is no page for a viewer.
      await page.keyboard.press("g");
      await page.keyboard.press("c");
      await page.waitForURL((url) => url.pathname === "/cases");
      await page.getByLabel("Title or diagnosis").waitFor();
      await page.keyboard.press("/");
      expect(await page.evaluate<string | undefined>("document.activeElement?.id")).toBe("q");
      await page.evaluate("document.activeElement?.blur()");
      await page.keyboard.press("g");
      await page.keyboard.press("k");
      await page.keyboard.press("g");
      await page.keyboard.press("s");
      await page.waitForURL((url) => url.pathname === "/search");
      await page.goBack();
      await page.waitForURL((url) => url.pathname === "/cases");
      await page.goto(`/cases?q=${encodeURIComponent(stack.sample.title)}`);
      await page.getByRole("link", { name: stack.sample.externalId, exact: true }).click();
      await page.locator("article.case-image").first().waitFor();
      expect(await page.getByRole("button", { name: /Flag caption|Edit caption/ }).count()).toBe(0);

      await page.goto("/keys");
      await page.getByText("Not allowed for your role.").waitFor();
      await screenshot(page, "13-viewer-refused");

      // The UI hides what a viewer cannot do; the API refuses it regardless.
      const { case: c } = await graphql<{ cases: { edges: { node: { images: { caption: { id: string } }[] } }[] } }>(
        stack.apiUrl,
        stack.keys.viewer,
        "{ cases(first: 1) { edges { node { images { caption { id } } } } } }",
      ).then((d) => ({ case: d.cases.edges[0]?.node }));
      const captionId = c?.images[0]?.caption.id as string;
      await expect(
        graphql(stack.apiUrl, stack.keys.viewer, "mutation($id: ID!) { flagCaption(captionId: $id, reason: OTHER) { id } }", {
          id: captionId,
        }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    });
  });

  it("a curator runs an evaluation and a re-index, watching job progress, then compares runs", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.curator);
      await page.goto("/evaluations");
      await page.getByLabel("Protocol").selectOption("RETRIEVAL");
      await page.getByLabel("Split").selectOption("DEV");
      await page.getByRole("button", { name: "Run evaluation" }).click();
      const job = page.getByTestId("job-progress").first();
      await job.waitFor();
      await page.locator('[data-testid="job-progress"][data-status="SUCCEEDED"]').first().waitFor({ timeout: 120_000 });
      await page.getByLabel("Protocol").selectOption("CAPTION_LIBRARY");
      await page.getByRole("button", { name: "Run evaluation" }).click();
      await expect.poll(() => page.locator('[data-testid="job-progress"][data-status="SUCCEEDED"]').count(), { timeout: 120_000 }).toBe(2);
      await page.reload();
      const runs = page.getByRole("table", { name: "Evaluation runs" });
      await runs.getByRole("cell", { name: "retrieval", exact: true }).first().waitFor();
      expect(await runs.textContent()).toMatch(/R@10 \d\.\d{3}/);
      expect(await page.getByRole("img", { name: "Metric comparison across runs" }).count()).toBe(1);
      // Side by side: recall for retrieval, BLEU-4 and CIDEr for caption-library, with the random floor beside them.
      const compare = page.getByRole("region", { name: "Compare runs" });
      const header = (await compare.locator("thead").textContent()) ?? "";
      for (const metric of ["I→T R@10", "BLEU-4", "CIDEr", "Modality@1"]) expect(header).toContain(metric);
      expect(await compare.getByText("↳ random floor").count()).toBeGreaterThanOrEqual(1);
      expect(await compare.getByText("↳ oracle ceiling").count()).toBe(1);
      // Anatomy agreement of both runs, one trend per protocol and figure (its floor dashed in the same chart).
      const anatomy = page.getByRole("region", { name: "Anatomy agreement" });
      for (const protocol of ["retrieval", "caption-library"])
        expect(await anatomy.getByRole("img", { name: new RegExp(`^Modality@1 ${protocol} DEV: .*random floor`) }).count()).toBe(1);
      expect(await anatomy.getByRole("img", { name: /^Modality all@5 caption-library DEV/ }).count()).toBe(1);
      await screenshot(page, "14-evaluations");

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
      // Every model folder beside MEDCAP_MODEL_DIR is listed; re-index the active version's card.
      const activeModel = page.getByRole("region").filter({ has: page.getByText("active", { exact: true }) });
      await activeModel.getByRole("button", { name: "Re-index" }).click();
      await page.locator('[data-testid="job-progress"][data-status="SUCCEEDED"]').waitFor({ timeout: 120_000 });
      await screenshot(page, "15-models-reindexed");
      // Curators re-index; only admins activate model versions.
      expect(await page.getByRole("button", { name: "Activate" }).count()).toBe(0);

      await page.goto("/");
      await page.getByRole("heading", { name: "Trends" }).waitFor();
      expect(await page.getByRole("img", { name: /R@10 retrieval DEV/ }).count()).toBeGreaterThan(0);
      await screenshot(page, "16-dashboard-with-runs");
    });
  }, 240_000);

  it("an admin creates an API key, sees its secret once, and revokes it", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.admin);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
      // A blank label passes `required` but not the action: the refusal shows in place with its code.
      await page.getByLabel("Label").fill("   ");
      await page.getByRole("button", { name: "Create key" }).click();
      const refused = page.getByRole("alert").filter({ hasText: "Give the key a label" });
      await refused.waitFor();
      expect(await refused.getAttribute("data-code")).toBe("BAD_USER_INPUT");
      await page.getByLabel("Label").fill("e2e frontend team");
      await page.getByLabel("Role").selectOption("VIEWER");
      await page.getByRole("button", { name: "Create key" }).click();
      const secret = (await page.getByTestId("new-secret").textContent()) ?? "";
      expect(secret).toMatch(/^mcp_/);
      await page.getByRole("cell", { name: "e2e frontend team", exact: true }).waitFor();
      await screenshot(page, "17-admin-keys");
      // The new secret works against the API.
      const me = await graphql<{ me: { role: string } }>(stack.apiUrl, secret, "{ me { role } }");
      expect(me.me.role).toBe("VIEWER");

      // Revoking it (after confirming) makes the API refuse it.
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: "Revoke key e2e frontend team" }).click();
      await page
        .getByRole("row", { name: /e2e frontend team/ })
        .getByText(/^revoked/)
        .waitFor();
      await expect(graphql(stack.apiUrl, secret, "{ me { role } }")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    });
  });
});
