/**
 * Runs the React flows (flows.ts) against a live server and checks what a user would see: every
 * image URL the API answers loads as an image, the wallet shows an approved deposit, a refused
 * request carries what the UI needs. clients/run.py seeds the server and writes the config.
 *
 *   node dist/run-flows.js config.json
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";

import { type Session, createApi } from "./api.js";
import * as flows from "./flows.js";

interface Config {
  baseUrl: string;
  user: { email: string; password: string };
  staff: { email: string; password: string };
  /** Image files on disk: a photo (JPEG), a screenshot (PNG), a banner (JPEG). */
  files: { photo: string; screenshot: string; banner: string };
}

const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8,
  "image/png": (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  "image/webp": (b) => new TextDecoder().decode(b.subarray(8, 12)) === "WEBP",
};

/** What an <img src> needs: 200, an image content type, and bytes that are that image. */
async function assertImageLoads(url: string | null | undefined, what: string): Promise<void> {
  assert.ok(url, `${what}: no URL`);
  if (url.startsWith("data:")) {
    const [, mime, payload] = /^data:([^;]+);base64,(.+)$/.exec(url) ?? [];
    assert.ok(mime && payload, `${what}: malformed data URL`);
    const bytes = Buffer.from(payload, "base64");
    assert.ok(SIGNATURES[mime]?.(bytes), `${what}: data URL bytes are not ${mime}`);
    return;
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  assert.equal(response.status, 200, `${what}: GET ${url} answered ${response.status}`);
  const type = (response.headers.get("Content-Type") ?? "").split(";")[0] ?? "";
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.ok(bytes.length > 0, `${what}: empty body`);
  const matches = SIGNATURES[type];
  assert.ok(matches, `${what}: content type ${type} is not an image type we expect`);
  assert.ok(matches(bytes), `${what}: the bytes are not ${type}`);
}

async function file(path: string, type: string): Promise<File> {
  return new File([await readFile(path)], basename(path), { type });
}

const steps: { name: string; ms: number }[] = [];

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await run();
  steps.push({ name, ms: Date.now() - started });
  console.log(`ok   ${name} (${Date.now() - started} ms)`);
  return result;
}

async function main(configPath: string): Promise<void> {
  const config: Config = JSON.parse(await readFile(configPath, "utf8"));
  const photo = await file(config.files.photo, "image/jpeg");
  const screenshot = await file(config.files.screenshot, "image/png");
  const banner = await file(config.files.banner, "image/jpeg");
  const session: Session = { access: null };
  const api = createApi(config.baseUrl, session);
  const staffSession: Session = { access: null };
  const staffApi = createApi(config.baseUrl, staffSession);

  await step("a wrong password is refused with a message to show", async () => {
    const result = await flows.signIn(api, session, config.user.email, "not the password 1");
    assert.equal(result.signedIn, false);
    assert.ok(result.message, "the 401's detail");
    assert.equal(session.access, null);
  });

  await step("sign in (JWT)", async () => {
    const result = await flows.signIn(api, session, config.user.email, config.user.password);
    assert.equal(result.signedIn, true);
    assert.ok(session.access && session.access.split(".").length === 3, "a JWT");
  });

  const products = await step("the shop window: every product's image loads", async () => {
    const products = await flows.shopWindow(api);
    assert.ok(products.length > 0, "the seeded products are listed");
    for (const product of products) {
      await assertImageLoads(product.image_url, `product ${product.id} image_url`);
      await assertImageLoads(product.image_thumbnail_url, `product ${product.id} thumbnail`);
      await assertImageLoads(product.cover_url, `product ${product.id} cover_url`);
    }
    return products;
  });
  const product = products[0];
  assert.ok(product);

  await step("a product's page, by its integer id", async () => {
    const page = await flows.productPage(api, product.id);
    assert.equal(page.id, product.id);
    assert.equal(page.name, product.name);
  });

  const checkout: flows.CheckoutForm = {
    product,
    quantity: 2,
    customerName: "Ada Miner",
    phone: "+15550100",
    email: "ada@example.com",
    address: "1 Mine Road",
    txid: "0xabc123",
    txidProof: screenshot,
    image: photo,
  };

  await step("a checkout with quantity 0 names the field", async () => {
    const result = await flows.placeOrder(api, { ...checkout, quantity: 0 });
    assert.equal(result.order, null);
    assert.ok(result.problems, "a 400 with field errors");
    assert.equal(result.problems.status, 400);
    assert.ok((result.problems.fieldErrors()["quantity"] ?? []).length > 0, "quantity named");
  });

  const order = await step("a multipart order with image, txid and txid_proof", async () => {
    const { order, problems } = await flows.placeOrder(api, checkout);
    assert.equal(problems, null);
    assert.ok(order);
    assert.equal(order.product, product.id);
    assert.equal(order.quantity, 2);
    assert.equal(order.status, "pending");
    assert.equal(order.txid, "0xabc123");
    assert.equal(order.total_price, (Number(product.price) * 2).toFixed(2));
    await assertImageLoads(order.image_url, "order image_url");
    await assertImageLoads(order.txid_proof_url, "order txid_proof_url (signed)");
    return order;
  });

  await step("an order from direct uploads (JSON), each upload used once", async () => {
    const uploads = {
      image: await flows.directUpload(api, "orders.image", photo),
      txidProof: await flows.directUpload(api, "orders.txid_proof", screenshot),
    };
    const form = { ...checkout, txid: "0xdef456" };
    const { order, problems } = await flows.placeOrderFromUploads(api, form, uploads);
    assert.equal(problems, null, problems?.message);
    assert.ok(order);
    assert.equal(order.txid, "0xdef456");
    await assertImageLoads(order.image_url, "uploaded order image_url");
    await assertImageLoads(order.txid_proof_url, "uploaded order txid_proof_url (signed)");
    const again = await flows.placeOrderFromUploads(api, { ...form, txid: "0x0fed789" }, uploads);
    assert.equal(again.order, null, "a used upload is refused");
    assert.equal(again.problems?.status, 400);
    assert.ok((again.problems?.fieldErrors()["image_upload"] ?? []).length > 0, "image_upload named");
  });

  await step("my orders, by status", async () => {
    const pending = await flows.myOrders(api, "pending");
    assert.ok(pending.some((o) => o.id === order.id), "the new order is pending");
    const delivered = await flows.myOrders(api, "delivered");
    assert.ok(!delivered.some((o) => o.id === order.id), "and not delivered");
    const page = await flows.orderPage(api, order.id);
    assert.equal(page.id, order.id);
  });

  const before = await flows.myWallet(api);
  const deposit = await step("a deposit with its proof", async () => {
    const deposit = await flows.depositWithProof(api, "12.50", "0xdeposit", screenshot);
    assert.equal(deposit.status, "pending");
    assert.equal(deposit.amount, "12.50");
    await assertImageLoads(deposit.proof_url, "deposit proof_url (signed)");
    return deposit;
  });

  await step("staff approve it once; the wallet shows the credit", async () => {
    const signedIn = await flows.signIn(
      staffApi,
      staffSession,
      config.staff.email,
      config.staff.password,
    );
    assert.equal(signedIn.signedIn, true);
    const first = await flows.approveDeposit(staffApi, deposit.id);
    assert.equal(first.deposit?.status, "approved");
    const second = await flows.approveDeposit(staffApi, deposit.id);
    assert.equal(second.deposit, null);
    assert.ok(second.refusal, "a 409 says why");
    const after = await flows.myWallet(api);
    assert.equal((Number(after.balance) - Number(before.balance)).toFixed(2), "12.50");
  });

  await step("staff add two gallery pictures and reorder them", async () => {
    const first = await flows.addGalleryImage(staffApi, product.id, photo, "Front");
    const second = await flows.addGalleryImage(staffApi, product.id, banner, "Side");
    assert.equal(first.alt_text, "Front");
    await assertImageLoads(first.image_url, "gallery image_url");
    await assertImageLoads(second.image_thumbnail_url, "gallery thumbnail");
    const reordered = await flows.reorderGallery(staffApi, product.id, [second.id, first.id]);
    assert.deepEqual(
      reordered.map((image) => image.id),
      [second.id, first.id],
    );
    const page = await flows.productPage(api, product.id);
    assert.deepEqual(
      page.images.map((image) => image.id),
      [second.id, first.id],
      "the shop shows the new order",
    );
  });

  await step("generate an image and wait (inline base64)", async () => {
    const { generation, src } = await flows.generateNow(api, "a gold ore crusher at dawn");
    assert.equal(generation.status, "succeeded");
    assert.ok(src?.startsWith("data:image/"), "the inline bytes as a data URL");
    await assertImageLoads(src, "generation data URL");
    await assertImageLoads(generation.image_url, "generation image_url");
  });

  await step("generate in the background and poll until done", async () => {
    const result = await flows.generateInBackground(api, "a conveyor belt, minimal");
    assert.ok(!("refused" in result), "within the daily quota");
    assert.equal(result.generation.status, "succeeded");
    assert.equal(result.generation.is_async, true);
    await assertImageLoads(result.src, "async generation image_url");
  });

  await step("over the daily quota: a 429 with a message and Retry-After", async () => {
    const result = await flows.generateInBackground(api, "one too many");
    assert.ok("refused" in result, "refused");
    assert.ok(result.message, "the 429's detail");
    assert.ok(result.retryAfterSeconds !== null && result.retryAfterSeconds > 0);
  });

  await step("a post with media", async () => {
    const post = await flows.postWithMedia(api, "New rig online", [photo, screenshot]);
    assert.equal(post.caption, "New rig online");
    assert.equal(post.media.length, 2);
    for (const media of post.media) await assertImageLoads(media.url, `post media ${media.id}`);
  });

  await step("a blog with a banner", async () => {
    const blog = await flows.blogWithBanner(api, "Mining 101", banner);
    assert.equal(blog.status, "published");
    assert.ok(blog.slug.startsWith("mining-101"));
    await assertImageLoads(blog.banner_url, "blog banner_url");
    await assertImageLoads(blog.banner_thumbnail_url, "blog banner thumbnail");
  });

  const total = steps.reduce((sum, s) => sum + s.ms, 0);
  console.log(`typescript flows: ${steps.length} passed in ${total} ms`);
}

const configPath = process.argv[2];
if (!configPath) {
  console.error("usage: node dist/run-flows.js <config.json>");
  process.exit(2);
}
main(configPath).catch((error: unknown) => {
  console.error("FAIL", error);
  process.exit(1);
});
