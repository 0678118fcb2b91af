// What a browser sees, in the system's headless Chromium driven by playwright-core:
//
// 1. staff in /admin/: a pending deposit's proof preview loads through its signed URL, the
//    "approve" action credits the wallet;
// 2. a page on another origin fetches /api/core/products/ with CORS, every <img src=image_url>
//    loads, and the exposed headers (X-Request-ID, Retry-After on a 429) are readable;
// 3. Swagger UI at /api/docs/ renders every operation with DEBUG=0, with every request to other
//    hosts blocked (as offline).
//
//   node check.mjs config.json      (clients/run.py seeds the server and writes the config)
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";

import { chromium } from "playwright-core";

const TIMEOUT_MS = 20_000;

/** Every wait in a context is bounded by TIMEOUT_MS. */
async function newContext(browser) {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  return context;
}

function ok(name, started) {
  console.log(`ok   ${name} (${Date.now() - started} ms)`);
}

async function api(config, path, { method = "GET", token, body } = {}) {
  const response = await fetch(config.baseUrl + path, {
    method,
    headers: {
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const data = await response.json();
  assert.equal(response.ok, true, `${method} ${path}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

async function adminApprovesADeposit(browser, config) {
  const started = Date.now();
  const { staff, depositor, deposit } = config.browser;
  const page = await (await newContext(browser)).newPage();
  await page.goto(`${config.baseUrl}/admin/login/?next=/admin/`);
  await page.fill("#id_username", staff.email);
  await page.fill("#id_password", staff.password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.click("input[type=submit]")]);

  // The pending deposits, then the one the depositor sent.
  await page.goto(`${config.baseUrl}/admin/core/deposit/?status__exact=pending`);
  const link = page.locator(`a[href*="/admin/core/deposit/${deposit.id}/change/"]`).first();
  await Promise.all([page.waitForURL(/\/change\/(\?|$)/), link.click()]);

  const preview = page.locator(".field-previews img").first();
  const src = await preview.getAttribute("src");
  assert.ok(src, "the deposit page shows a proof preview");
  assert.match(src, /\/files\/private\/.+[?&]signature=/, "through a signed private link");
  await page.waitForFunction(
    (img) => img.complete && img.naturalWidth > 0,
    await preview.elementHandle(),
    { timeout: TIMEOUT_MS },
  );
  const size = await preview.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.ok(size[0] > 0 && size[1] > 0, `the proof preview loaded (${size})`);
  // The same link without its signature is refused: the preview is not public.
  const signed = new URL(src, config.baseUrl);
  const unsigned = await page.request.get(signed.origin + signed.pathname);
  assert.equal(unsigned.status(), 403, "the proof without its signature");

  // Back to the list: select it, choose "approve", Go.
  await page.goto(`${config.baseUrl}/admin/core/deposit/?status__exact=pending`);
  await page.check(`input[name="_selected_action"][value="${deposit.id}"]`);
  await page.selectOption('select[name="action"]', "approve");
  await Promise.all([page.waitForLoadState("load"), page.click('button[name="index"]')]);
  const message = await page.locator("ul.messagelist").innerText();
  assert.match(message, /approved/i, `the admin says it approved: ${message}`);

  // The depositor's wallet shows the credit (the API the React app reads).
  const { access } = await api(config, "/api/auth/token/", {
    method: "POST",
    body: { email: depositor.email, password: depositor.password },
  });
  const wallet = await api(config, "/api/core/wallet/", { token: access });
  assert.equal(wallet.balance, deposit.amount, "the wallet holds the approved amount");
  const reviewed = await api(config, `/api/core/deposits/${deposit.id}/`, { token: access });
  assert.equal(reviewed.status, "approved");
  await page.context().close();
  ok("admin: the proof preview loads signed, approve credits the wallet", started);
}

/** A tiny static site on another port: the page a React build would be. */
function staticSite(port) {
  const html = "<!doctype html><meta charset=utf-8><title>Shop</title><main id=shop></main>";
  const server = createServer((request, response) => {
    response.writeHead(request.url === "/" ? 200 : 404, { "Content-Type": "text/html" });
    response.end(request.url === "/" ? html : "");
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** Runs in the page: the shop lists the products and shows each image. */
async function shopInThePage(base) {
  const response = await fetch(`${base}/api/core/products/`);
  const body = await response.json();
  const shop = document.getElementById("shop");
  const images = await Promise.all(
    body.results.map(
      (product) =>
        new Promise((resolve) => {
          const img = document.createElement("img");
          img.onload = img.onerror = () =>
            resolve({ src: img.src, width: img.naturalWidth, height: img.naturalHeight });
          img.src = product.image_url;
          shop.append(img);
        }),
    ),
  );
  return { status: response.status, requestId: response.headers.get("X-Request-ID"), images };
}

/** Runs in the page: sign-in attempts until the throttle answers, then what the page can read. */
async function throttledInThePage(base) {
  for (let attempt = 0; attempt < 40; attempt++) {
    const response = await fetch(`${base}/api/auth/token/`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Request-ID": `page-${attempt}` },
      body: JSON.stringify({ email: "nobody@example.com", password: "wrong password 1" }),
    });
    if (response.status === 429) {
      return {
        retryAfter: response.headers.get("Retry-After"),
        requestId: response.headers.get("X-Request-ID"),
        sent: `page-${attempt}`,
        detail: (await response.json()).detail,
      };
    }
  }
  return null;
}

async function anotherOriginShowsTheShop(browser, config) {
  const started = Date.now();
  const port = config.browser.otherOriginPort;
  const site = await staticSite(port);
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    const shop = await page.evaluate(shopInThePage, config.baseUrl);
    assert.equal(shop.status, 200);
    assert.ok(shop.requestId, "X-Request-ID is exposed to the page");
    assert.ok(shop.images.length >= 2, `the seeded products are listed (${shop.images.length})`);
    for (const image of shop.images) {
      assert.ok(image.width > 0 && image.height > 0, `<img src=${image.src}> loaded`);
    }

    // An origin CORS does not name cannot read the API (the same site under another name).
    const stranger = await context.newPage();
    await stranger.goto(`http://localhost:${port}/`);
    const refused = await stranger.evaluate(
      (base) => fetch(`${base}/api/core/products/`).then(() => "read", () => "refused"),
      config.baseUrl,
    );
    assert.equal(refused, "refused", "an origin not in CORS_ALLOWED_ORIGINS");

    // A 429 the page can handle: Retry-After and its own request id are readable.
    const throttled = await page.evaluate(throttledInThePage, config.baseUrl);
    assert.ok(throttled, "sign-in attempts were throttled");
    assert.ok(Number(throttled.retryAfter) > 0, `Retry-After readable: ${throttled.retryAfter}`);
    assert.equal(throttled.requestId, throttled.sent, "X-Request-ID sent and read back");
    assert.ok(throttled.detail);
    await context.close();
  } finally {
    site.close();
  }
  ok("another origin: products over CORS, every image loads, Retry-After readable", started);
}

async function swaggerRendersOffline(browser, config) {
  const started = Date.now();
  const origin = new URL(config.baseUrl).origin;
  const context = await newContext(browser);
  const foreign = [];
  // As offline: any request to another host fails, and is recorded.
  await context.route(
    (url) => url.protocol !== "data:" && url.origin !== origin,
    (route) => {
      foreign.push(route.request().url());
      return route.abort("internetdisconnected");
    },
  );
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const schema = await api(config, "/api/schema/?format=json");
  const operations = Object.values(schema.paths).flatMap((item) =>
    Object.keys(item).filter((key) => ["get", "post", "put", "patch", "delete"].includes(key)),
  ).length;
  await page.goto(`${config.baseUrl}/api/docs/`);
  await page
    .waitForFunction(
      (count) => document.querySelectorAll(".opblock").length >= count,
      operations,
      { timeout: TIMEOUT_MS },
    )
    .catch((error) => {
      throw new Error(`${operations} operations not rendered; blocked: ${foreign}; ${error}`);
    });
  const shown = await page.locator(".opblock").count();
  assert.equal(shown, operations, "one block per operation of the schema");
  assert.match(await page.locator(".info .title").first().innerText(), /Ultramine API/);
  assert.deepEqual(foreign, [], "no request left the server's origin");
  assert.deepEqual(errors, [], "no script error");
  await context.close();
  ok(`Swagger UI (DEBUG=0): ${shown} operations rendered, nothing fetched from elsewhere`, started);
}

async function main(configPath) {
  const config = JSON.parse(await readFile(configPath, "utf8"));
  const browser = await chromium.launch({
    executablePath: config.browser.chromium,
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ["--no-sandbox"],
    timeout: TIMEOUT_MS,
  });
  // Each check in its own contexts: one failing does not hide what the others find.
  const checks = [adminApprovesADeposit, anotherOriginShowsTheShop, swaggerRendersOffline];
  const failed = [];
  try {
    for (const check of checks) {
      try {
        await check(browser, config);
      } catch (error) {
        console.error(`FAIL ${check.name}:`, error);
        failed.push(check.name);
      }
    }
  } finally {
    await browser.close();
  }
  if (failed.length) throw new Error(`browser checks failed: ${failed.join(", ")}`);
  console.log(`browser checks: ${checks.length} passed`);
}

const configPath = process.argv[2];
if (!configPath) {
  console.error("usage: node check.mjs <config.json>");
  process.exit(2);
}
main(configPath).catch((error) => {
  console.error("FAIL", error);
  process.exit(1);
});
