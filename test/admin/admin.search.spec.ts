// The admin in a real browser (Debian's Chromium via playwright-core) against the real API on embedded
// Postgres with a MedPix subset imported and indexed: sign-in, cases, search, captioning, why?. Screenshots: test-results/admin/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { type Stack, login, withPage, screenshot, startStack } from "./admin.harness.js";

let stack: Stack;

/** As a viewer: caption the sample image on the search page, asking for the top `k` captions. */
async function captionSample(page: Page, k: number): Promise<void> {
  await login(page, stack.keys.viewer);
  await page.goto("/search");
  await page.getByRole("tab", { name: "Image → captions" }).click();
  await page.getByLabel("Image file (PNG, JPEG or DICOM)").setInputFiles(stack.sample.imagePath);
  await page.getByLabel("Top k").fill(String(k));
  await page.getByRole("button", { name: "Search", exact: true }).click();
}

beforeAll(async () => {
  stack = await startStack();
}, 600_000);

afterAll(async () => {
  await stack?.stop();
});

describe("admin in a browser: sign-in, browsing and search", () => {
  it("signs a curator in and out, and refuses a wrong key", async () => {
    await withPage(stack, async (page, context) => {
      await page.goto("/");
      expect(new URL(page.url()).pathname).toBe("/login");
      await page.getByLabel("API key").fill("mcp_not-a-real-key");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByText("The API did not accept this key").textContent()).resolves.toContain("did not accept");
      await screenshot(page, "01-login-refused");

      await login(page, stack.keys.curator);
      expect(await page.getByTestId("role").textContent()).toBe("curator");
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      expect(await page.getByTestId("case-count").textContent()).toBe("12");
      expect(await page.getByTestId("active-model").textContent()).toContain("medcap-base-v3");
      expect(await page.getByTestId("provider").textContent()).toMatch(/on (CPU|CUDA)/);
      await screenshot(page, "02-dashboard-curator");
      // The key lives in an httpOnly cookie: page scripts cannot read it.
      expect(await page.evaluate<string>("document.cookie")).not.toContain("mcp_");
      expect((await context.cookies()).find((c) => c.name === "medcap_key")?.httpOnly).toBe(true);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/login$/);
      expect((await context.cookies()).find((c) => c.name === "medcap_key")).toBeUndefined();
      await page.goto("/cases?split=DEV");
      expect(new URL(page.url()).pathname).toBe("/login");
      // Signing in again returns to the page asked for.
      await page.getByLabel("API key").fill(stack.keys.curator);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => url.pathname === "/cases" && url.searchParams.get("split") === "DEV");
      await page.getByText("2 cases match the filters").waitFor();
    });
  });

  it("browses cases: paginated table, filters, case detail with every image", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.curator);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cases" }).click();
      const table = page.getByRole("table", { name: "Cases" });
      await table.waitFor();
      expect(await table.locator("tbody tr").count()).toBe(12);

      await page.getByLabel("Rows").selectOption("10");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.getByText("Page 1 of 2").waitFor();
      expect(await table.locator("tbody tr").count()).toBe(10);
      const firstPage = await table.locator("tbody tr td:nth-child(2)").allTextContents();
      await page.getByRole("link", { name: "Next →" }).click();
      await page.getByText("Page 2 of 2").waitFor();
      const secondPage = await table.locator("tbody tr td:nth-child(2)").allTextContents();
      expect(secondPage).toHaveLength(2);
      expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
      await page.getByRole("link", { name: "← Previous" }).click();
      await page.getByText("Page 1 of 2").waitFor();
      expect(await table.locator("tbody tr td:nth-child(2)").allTextContents()).toEqual(firstPage);

      await page.getByLabel("Split").selectOption("DEV");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.getByText("2 cases match the filters").waitFor();
      await page.getByRole("link", { name: "Clear" }).click();
      await page.getByText("12 cases", { exact: true }).waitFor();

      await page.getByLabel("Title or diagnosis").fill(stack.sample.title.split(" ")[0] as string);
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/q=/);
      const link = page.getByRole("link", { name: stack.sample.externalId, exact: true });
      await link.waitFor();
      await screenshot(page, "03-cases-filtered");
      await link.click();
      await page.getByRole("heading", { level: 1, name: stack.sample.title }).waitFor();
      const images = page.locator("article.case-image");
      expect(await images.count()).toBeGreaterThan(0);
      // Each image is shown large with its caption; the bytes come through the admin's authenticated route.
      const first = images.first();
      expect(await first.getByTestId("caption-text").textContent()).toContain(
        stack.sample.caption.replace(/\s+/g, " ").trim().slice(0, 30),
      );
      const src = await first.locator("img.image-large").getAttribute("src");
      expect(src).toMatch(/^\/images\/[^/?]+\?size=512$/);
      const res = await page.request.get(src as string);
      expect(res.status()).toBe(200);
      expect(res.headers()["content-type"]).toBe("image/png");
      await screenshot(page, "04-case-detail");
      // A click opens the large view in place; → steps to the next image; Esc closes it.
      const lightbox = page.getByTestId("lightbox");
      await page.locator("[data-testid=lightbox][data-ready]").waitFor({ state: "attached" });
      await first.locator("a[data-lightbox]").click();
      await lightbox.getByRole("img").waitFor();
      expect(await lightbox.getByRole("img").getAttribute("src")).toBe(src?.replace("size=512", "size=1024"));
      expect(await lightbox.textContent()).toContain(`1 of ${await images.count()}`);
      if ((await images.count()) > 1) {
        await page.keyboard.press("ArrowRight");
        await lightbox.getByText(`2 of ${await images.count()}`).waitFor();
      }
      await page.keyboard.press("Escape");
      await lightbox.waitFor({ state: "hidden" });
      expect(new URL(page.url()).pathname).toMatch(/^\/cases\//);

      // "Pick one": from a case image straight into the search playground.
      await first.getByRole("link", { name: "Caption it" }).click();
      await page.waitForURL(/\/search\?mode=caption&imageId=/);
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.getByTestId("caption-results").waitFor();
      expect(await page.getByTestId("caption-results").locator("li").count()).toBeGreaterThan(0);
    });
  });

  it("searches images by text and links results to their cases", async () => {
    await withPage(stack, async (page) => {
      await login(page, stack.keys.viewer);
      await page.goto("/search");
      await page.getByLabel("Clinical phrase").fill("axial CT of the head");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      const results = page.getByTestId("image-results");
      await results.waitFor();
      const tiles = results.locator("a.image-tile");
      expect(await tiles.count()).toBeGreaterThan(0);
      expect(await tiles.first().textContent()).toMatch(/#1 · (CT|MR)/);
      expect(await results.textContent()).toContain("medcap-base-v3");
      await screenshot(page, "05-search-text");
      await tiles.first().click();
      await page.waitForURL(/\/cases\/[^/]+#image-/);
    });
  });

  it("captions an uploaded image: top-k captions with scores and source cases", async () => {
    await withPage(stack, async (page) => {
      await captionSample(page, 3);
      const results = page.getByTestId("caption-results");
      await results.waitFor();
      const items = results.locator("li");
      expect(await items.count()).toBe(3);
      expect(await items.first().locator(".pill-accent").textContent()).toMatch(/^-?\d\.\d{3}$/);
      expect(await items.first().getByRole("link").count()).toBeGreaterThan(0);
      await screenshot(page, "06-search-upload");

      await page.getByRole("tab", { name: "Image → similar" }).click();
      // A JPEG this time, as a browser user would upload a photo of a film or an export.
      const jpeg = await sharp(stack.sample.imagePath).jpeg({ quality: 85 }).toBuffer();
      await page.getByLabel("Image file (PNG, JPEG or DICOM)").setInputFiles({ name: "query.jpg", mimeType: "image/jpeg", buffer: jpeg });
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.getByTestId("image-results").waitFor();
      expect(await page.getByTestId("image-results").locator("a.image-tile").count()).toBeGreaterThan(0);
      await screenshot(page, "07-search-similar");
    });
  });

  it("why? on a caption result draws the heat map over the query image and highlights the caption's words", async () => {
    await withPage(stack, async (page) => {
      await captionSample(page, 2);
      const first = page.getByTestId("caption-results").locator("li").first();
      await first.getByTestId("why-toggle").click();
      await first.getByTestId("explain-heat").waitFor({ timeout: 120_000 });
      const heat = await first.getByTestId("explain-heat").getAttribute("src");
      expect(heat).toMatch(/^data:image\/png;base64,/);
      expect(await first.getByTestId("word-weights").locator(".word-weight").count()).toBeGreaterThan(0);
      await screenshot(page, "06b-search-why");
      // Off and on again: answered from the tab's cache, the same map at once.
      await first.getByTestId("why-toggle").click();
      expect(await first.getByTestId("why-panel").count()).toBe(0);
      await first.getByTestId("why-toggle").click();
      expect(await first.getByTestId("explain-heat").getAttribute("src")).toBe(heat);
    });
  });
});
