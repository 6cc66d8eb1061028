// Drives the dbexport web console in headless Chromium (puppeteer-core and
// Debian's chromium; no downloaded browser). Reads its settings as JSON on
// stdin (see tests/integration/service/test_console.py); prints each step;
// exits 1 at the first step that fails. With settings.screenshots set, saves
// PNGs of each page there.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const settings = JSON.parse(readFileSync(0, "utf8"));
const STEP_TIMEOUT = 60_000;

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
  } catch (error) {
    error.message = `${name}: ${error.message}`;
    throw error;
  }
  console.log(`ok   ${name} (${Date.now() - started} ms)`);
}

const browser = await puppeteer.launch({
  executablePath: settings.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--lang=en-US"],
});
let exitCode = 0;
const consoleErrors = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on("console", (message) => {
    // The API's 4xx answers (refused sign-in, validation errors) are logged
    // by Chromium as failed loads; they are expected here.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      consoleErrors.push(message.text());
    }
  });
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  await page.setViewport({ width: 1280, height: 860 });

  const shot = async (name, options = {}) => {
    if (!settings.screenshots) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
    await page.screenshot({ path: join(settings.screenshots, `${name}.png`), ...options });
  };
  const visible = (selector) => page.waitForSelector(selector, { visible: true });
  const text = (selector) => page.$eval(selector, (node) => node.textContent.trim());
  const storedKeys = () => page.evaluate(() => sessionStorage.length);
  const setValue = async (selector, value) => {
    await page.$eval(selector, (node) => { node.value = ""; });
    await page.type(selector, value);
  };
  const waitForText = (selector, expected) =>
    page.waitForFunction((s, e) => {
      const node = document.querySelector(s);
      return node && node.offsetParent !== null && node.textContent.includes(e);
    }, {}, selector, expected);

  await step("the sign-in page loads from /console", async () => {
    await page.goto(settings.url, { waitUntil: "load" });
    await visible("#page-signin");
    check(page.url().endsWith("/console/"), `redirected to /console/ (at ${page.url()})`);
    await page.waitForFunction(() => document.querySelector("#signin-region").value !== "");
    check((await page.$eval("#signin-region", (n) => n.value)) === "us-east-1", "region from config.json");
    check(await page.$eval("#signin-key", (n) => n.labels[0].textContent === "Access key ID"), "labelled key field");
    await shot("signin");
  });

  await step("a wrong secret is refused and nothing is stored", async () => {
    await setValue("#signin-key", settings.accessKeyId);
    await setValue("#signin-secret", "not-the-secret");
    await page.click("#signin-submit");
    await visible("#signin-error");
    check((await text("#signin-error")).includes("SignatureDoesNotMatch"), await text("#signin-error"));
    check((await storedKeys()) === 0, "sessionStorage stays empty");
    check(await page.$eval("#page-exports", (n) => n.hidden), "the list stays hidden");
  });

  await step("signing in with the right secret shows the exports", async () => {
    await setValue("#signin-secret", settings.secretAccessKey);
    await page.keyboard.press("Enter");
    await visible("#page-exports");
    check((await storedKeys()) === 1, "credentials kept in sessionStorage");
    check((await text("#session-key")) === settings.accessKeyId, "the key is shown");
  });

  if (settings.mode === "paging") {
    await pagingSteps();
  } else {
    await fullSteps();
  }

  async function pagingSteps() {
    const count = settings.taskCount;
    const pages = Math.ceil(count / 50);
    await step(`${count} tasks (more than one API page) are listed newest first in pages of 50`, async () => {
      await page.waitForFunction((c) => document.querySelector("#exports-summary").textContent.startsWith(`${c} exports`),
        {}, count);
      check((await text("#page-info")) === `Page 1 of ${pages}`, await text("#page-info"));
      const first = await page.$$eval("#exports-body tr", (trs) => trs.map((tr) => tr.dataset.task));
      check(first.length === 50, `50 rows on a page, not ${first.length}`);
      check(first[0] === settings.newest, `newest first: ${first[0]}`);
      check(await page.$eval("#page-prev", (n) => n.disabled), "no newer page on the first");
      for (let i = 1; i < pages; i++) await page.click("#page-next");
      check((await text("#page-info")) === `Page ${pages} of ${pages}`, await text("#page-info"));
      const last = await page.$$eval("#exports-body tr", (trs) => trs.map((tr) => tr.dataset.task));
      check(last.length === count - 50 * (pages - 1), `rows on the last page: ${last.length}`);
      check(last[last.length - 1] === settings.oldest, `oldest last: ${last[last.length - 1]}`);
      check(await page.$eval("#page-next", (n) => n.disabled), "no older page on the last");
    });
    await step("the identifier filter selects one task", async () => {
      await setValue("#filter-id", settings.oldest);
      await page.click("#filter-apply");
      await page.waitForFunction(() => document.querySelectorAll("#exports-body tr").length === 1);
      check((await page.$eval("#exports-body tr", (tr) => tr.dataset.task)) === settings.oldest, "the filtered row");
    });
  }

  async function fullSteps() {
    await step("keyboard only: Tab to 'Export to Amazon S3', Enter opens the form", async () => {
      await page.evaluate(() => document.activeElement && document.activeElement.blur());
      let reached = false;
      for (let i = 0; i < 30 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await page.evaluate(() => document.activeElement && document.activeElement.id === "new-export");
      }
      check(reached, "the start button is reachable with Tab");
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      check(outline !== "none", "focus is visible");
      await page.keyboard.press("Enter");
      await visible("#page-new");
      await page.waitForFunction(() => document.querySelector("#export-cluster").options.length >= 2);
      // Every control has an accessible name (a <label> or aria-label), on every page.
      const unnamed = await page.$$eval("input, select, textarea, button", (nodes) => nodes
        .filter((n) => !(n.labels && n.labels.length) && !n.getAttribute("aria-label") && !n.textContent.trim())
        .map((n) => n.id || n.outerHTML.slice(0, 60)));
      check(unnamed.length === 0, `controls without a name: ${unnamed.join(", ")}`);
    });

    const fillForm = async ({ id, cluster, bucket }) => {
      await setValue("#export-id", id);
      await page.select("#export-cluster", cluster);
      await setValue("#export-bucket", bucket);
      await setValue("#export-prefix", "console");
      await setValue("#export-role", settings.roleArn);
      await setValue("#export-kms", settings.kmsKeyId);
    };

    await step("an invalid bucket name is shown beside the bucket field", async () => {
      await fillForm({ id: "console-shop", cluster: settings.cluster, bucket: "Bad_Bucket" });
      await page.click("#export-submit");
      await visible("#export-bucket-error");
      check((await text("#export-bucket-error")).includes("InvalidS3BucketFault"), await text("#export-bucket-error"));
      check(await page.$eval("#export-bucket", (n) => n.getAttribute("aria-invalid") === "true"), "aria-invalid");
      check(await page.$eval("#export-id-error", (n) => n.hidden), "no error on the identifier");
      check(await page.evaluate(() => document.activeElement.id === "export-bucket"), "focus on the bucket field");
      await shot("export-form-error", { fullPage: true });
    });

    await step("an invalid identifier is shown beside the identifier field", async () => {
      await setValue("#export-id", "9-not--valid-");
      await setValue("#export-bucket", settings.bucket);
      await page.click("#export-submit");
      await visible("#export-id-error");
      check((await text("#export-id-error")).includes("ExportTaskIdentifier"), await text("#export-id-error"));
      check(await page.$eval("#export-bucket-error", (n) => n.hidden), "the bucket error is gone");
    });

    await step("a role of another account and a malformed KMS key are shown beside their fields", async () => {
      await setValue("#export-id", "console-shop");
      await setValue("#export-role", "arn:aws:iam::999999999999:role/export");
      await page.click("#export-submit");
      await visible("#export-role-error");
      check((await text("#export-role-error")).includes("IamRoleMissingPermissions"), await text("#export-role-error"));
      check(await page.$eval("#export-id-error", (n) => n.hidden), "the identifier error is gone");
      await setValue("#export-role", settings.roleArn);
      await setValue("#export-kms", "not a key");
      await page.click("#export-submit");
      await visible("#export-kms-error");
      check((await text("#export-kms-error")).includes("KMSKeyNotAccessibleFault"), await text("#export-kms-error"));
      await setValue("#export-kms", settings.kmsKeyId);
    });

    await step("an export started from the form reaches Complete in the list", async () => {
      await setValue("#export-id", "console-shop");
      await page.click("#export-submit");
      await page.waitForFunction(() => location.hash === "#/exports/console-shop");
      await visible("#page-details");
      await page.goto(settings.url + "/#/exports", { waitUntil: "load" });
      await visible("#page-exports");
      await waitForText('tr[data-task="console-shop"] .badge', "Complete");
      const row = await page.$eval('tr[data-task="console-shop"]', (n) => n.textContent);
      check(row.includes(`s3://${settings.bucket}/console/console-shop/`), `location in the row: ${row}`);
      check(row.includes("100%"), "progress 100%");
    });

    await step("filters: status 'failed' hides the complete export", async () => {
      await page.select("#filter-status", "failed");
      await page.waitForFunction(() => !document.querySelector('tr[data-task="console-shop"]'));
      await page.select("#filter-status", "");
      await visible('tr[data-task="console-shop"]');
    });

    await step("the details show per-table rows equal to PostgreSQL's counts and the skipped table", async () => {
      await page.click('tr[data-task="console-shop"] a');
      await visible("#page-details");
      await visible("#tables-table");
      const rows = await page.$$eval("#tables-body tr", (trs) => trs.map((tr) => ({
        target: tr.dataset.table,
        status: tr.children[1].textContent.trim(),
        rows: tr.children[2].textContent.trim(),
      })));
      for (const [target, count] of Object.entries(settings.expectedRows)) {
        const row = rows.find((r) => r.target === target);
        check(row, `a row for ${target} in ${JSON.stringify(rows)}`);
        check(row.status === "Complete", `${target} complete`);
        check(row.rows === count.toLocaleString("en-US"), `${target}: ${row.rows} rows, PostgreSQL has ${count}`);
      }
      await visible("#details-warnings");
      const warnings = await text("#details-warnings-body");
      check(warnings.includes(settings.skippedTable), `skipped table listed: ${warnings}`);
      check(await page.$$eval("#details-warnings table", (t) => t.length) >= 1, "skipped tables shown as a table");
      check((await text("#details-location")) === `s3://${settings.bucket}/console/console-shop/`, "S3 location");
      check(await page.$eval("#details-cancel", (n) => n.hidden), "no cancel button on a complete export");
      await shot("details", { fullPage: true });
      const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
      const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      check(light === "rgb(244, 245, 247)" && dark === "rgb(15, 20, 25)", `light ${light}, dark ${dark} backgrounds`);
      await shot("details-dark", { fullPage: true });
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
    });

    await step("a running export is canceled through the confirmation dialog", async () => {
      await page.goto(settings.url + "/#/export/new", { waitUntil: "load" });
      await visible("#page-new");
      await page.waitForFunction(() => document.querySelector("#export-cluster").options.length >= 2);
      await fillForm({ id: "console-big", cluster: settings.bigCluster, bucket: settings.bucket });
      await page.click("#export-submit");
      await page.waitForFunction(() => location.hash === "#/exports/console-big");
      await visible("#details-cancel");
      // Escape closes the dialog and cancels nothing.
      await page.click("#details-cancel");
      await page.waitForSelector("#cancel-dialog[open]");
      check((await text("#cancel-text")).includes("console-big"), "the dialog names the task");
      check(await page.evaluate(() => document.activeElement.id === "cancel-keep"), "focus starts on 'Keep running'");
      await shot("cancel-dialog");
      await page.keyboard.press("Escape");
      await page.waitForSelector("#cancel-dialog:not([open])");
      check(await page.evaluate(() => document.activeElement.id === "details-cancel"), "focus returns to the button");
      // Keyboard: Enter on the focused button opens it, Tab to confirm, Enter.
      await page.keyboard.press("Enter");
      await page.waitForSelector("#cancel-dialog[open]");
      await page.keyboard.press("Tab");
      check(await page.evaluate(() => document.activeElement.id === "cancel-confirm"), "Tab reaches 'Cancel export'");
      await page.keyboard.press("Enter");
      await page.waitForSelector("#cancel-dialog:not([open])");
      await waitForText('#details-fields dd[data-field="Status"]', "Canceled");
      // Screen readers hear the change through the aria-live region.
      await page.waitForFunction(() => /console-big is (now )?cancel/.test(document.querySelector("#live").textContent));
      check(await page.$eval("#live", (n) => n.getAttribute("aria-live") === "polite"), "a polite live region");
      await page.goto(settings.url + "/#/exports", { waitUntil: "load" });
      await waitForText('tr[data-task="console-big"] .badge', "Canceled");
    });

    await step("a partial export (ExportOnly) to a missing bucket fails and its cause is in the details", async () => {
      await page.goto(settings.url + "/#/export/new", { waitUntil: "load" });
      await page.waitForFunction(() => document.querySelector("#export-cluster").options.length >= 2);
      await fillForm({ id: "console-missing", cluster: settings.cluster, bucket: settings.missingBucket });
      // Partial export: a malformed ExportOnly entry is shown beside the list, then a good one.
      await page.click("#export-scope-partial");
      await visible("#export-only");
      await setValue("#export-only", "a.b.c.d");
      await page.click("#export-submit");
      await visible("#export-only-error");
      check((await text("#export-only-error")).includes("InvalidExportOnly"), await text("#export-only-error"));
      await setValue("#export-only", "console_shop.public.orders\nconsole_shop.public.customers");
      await page.click("#export-submit");
      await page.waitForFunction(() => location.hash === "#/exports/console-missing");
      await visible("#details-failure");
      const cause = await text("#details-failure-text");
      check(cause.includes(settings.missingBucket) || /bucket/i.test(cause), `failure cause names the bucket: ${cause}`);
      await waitForText('#details-fields dd[data-field="Status"]', "Failed");
      check((await text('#details-fields dd[data-field="Exported data"]')) ===
        "console_shop.public.orders, console_shop.public.customers", "the ExportOnly list in the details");
      await page.waitForFunction(() => document.querySelector("#tables-note").textContent !== "Loading…");
    });

    await step("the list shows the three exports, newest first", async () => {
      await page.goto(settings.url + "/#/exports", { waitUntil: "load" });
      await waitForText('tr[data-task="console-missing"] .badge', "Failed");
      const order = await page.$$eval("#exports-body tr", (trs) => trs.map((tr) => tr.dataset.task));
      check(JSON.stringify(order) === JSON.stringify(["console-missing", "console-big", "console-shop"]),
        `newest first: ${order}`);
      await shot("exports");
      await page.goto(settings.url + "/#/exports/console-missing", { waitUntil: "load" });
    });

    await step("a reload keeps the session", async () => {
      await page.reload({ waitUntil: "load" });
      await visible("#page-details");
      check(await page.$eval("#page-signin", (n) => n.hidden), "no sign-in after reload");
    });

    await step("a phone-sized viewport has no horizontal scrolling", async () => {
      await page.setViewport({ width: 375, height: 812, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      for (const hash of ["#/exports", "#/exports/console-shop", "#/export/new"]) {
        await page.goto(settings.url + "/" + hash, { waitUntil: "load" });
        await page.waitForSelector(".page:not([hidden])");
        await new Promise((resolve) => setTimeout(resolve, 800));
        const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        check(widths[0] <= widths[1], `${hash}: page ${widths[0]}px wide in a ${widths[1]}px viewport`);
        if (hash === "#/exports") {
          await visible('tr[data-task="console-shop"]');
          await shot("exports-phone");
        }
      }
      await page.setViewport({ width: 1280, height: 860 });
    });

    await step("sign-out ends the session", async () => {
      await page.goto(settings.url + "/#/exports", { waitUntil: "load" });
      await visible("#sign-out");
      await page.click("#sign-out");
      await visible("#page-signin");
      check((await storedKeys()) === 0, "sessionStorage is empty");
      await page.reload({ waitUntil: "load" });
      await visible("#page-signin");
    });

  }

  check(consoleErrors.length === 0, `no errors in the browser console: ${consoleErrors.join("; ")}`);
} catch (error) {
  console.log(`FAIL ${error.stack || error}`);
  if (consoleErrors.length) console.log(`browser console: ${consoleErrors.join("\n")}`);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
