/**
 * The React frontend's flows, written as its components call the API: typed by the generated
 * schema, no casts. Browser-safe (no Node imports); run-flows.ts drives them against a server.
 */
import {
  ApiError,
  type Api,
  type ErrorBody,
  type Schemas,
  type Session,
  detailOf,
  formData,
} from "./api.js";

type Product = Schemas["Product"];
type Order = Schemas["Order"];
type Deposit = Schemas["Deposit"];
type Generation = Schemas["Generation"];
type Post = Schemas["Post"];
type Blog = Schemas["Blog"];
type Wallet = Schemas["Wallet"];

/** Sign in with email and password; the session then carries the access token. */
export async function signIn(api: Api, session: Session, email: string, password: string) {
  const { data, error, response } = await api.POST("/api/auth/token/", {
    body: { email, password },
  });
  if (error) {
    // 401: wrong email or password, shown as is under the form.
    if (response.status === 401) return { signedIn: false, message: detailOf(error) };
    throw new ApiError(response, error);
  }
  session.access = data.access;
  return { signedIn: true, message: undefined };
}

/** The shop's first page: what a product card shows. */
export async function shopWindow(api: Api): Promise<Product[]> {
  const { data, error, response } = await api.GET("/api/core/products/", {
    params: { query: { page: 1, ordering: "-created_at" } },
  });
  if (error) throw new ApiError(response, error);
  return data.results;
}

/** One product's page (the card links to it by id). */
export async function productPage(api: Api, id: number): Promise<Product> {
  const { data, error, response } = await api.GET("/api/core/products/{id}/", {
    params: { path: { id } },
  });
  if (error) throw new ApiError(response, error);
  return data;
}

export interface CheckoutForm {
  product: Product;
  quantity: number;
  customerName: string;
  phone: string;
  email: string;
  address: string;
  /** The crypto transaction id and its screenshot, and a photo of the payment. */
  txid: string;
  txidProof: File;
  image: File;
}

type UploadPurpose = Schemas["PurposeEnum"];
type UploadType = Schemas["ContentTypeEnum"];
const UPLOAD_TYPES: readonly UploadType[] = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "image/heic",
  "image/heif",
  "video/mp4",
  "video/quicktime",
  "video/webm",
];

/**
 * A large file goes straight to storage (S3, or the server's own upload URL locally): announce
 * it, post it to the URL answered with the fields answered, then name its id in the form.
 */
export async function directUpload(api: Api, purpose: UploadPurpose, file: File): Promise<string> {
  const contentType = UPLOAD_TYPES.find((type) => type === file.type);
  if (!contentType) throw new Error(`${file.name}: ${file.type} cannot be uploaded`);
  const { data, error, response } = await api.POST("/api/uploads/", {
    body: { purpose, content_type: contentType, size: file.size },
  });
  if (error) throw new ApiError(response, error);
  const form = new FormData();
  for (const [name, value] of Object.entries(data.fields)) form.append(name, value);
  form.append("file", file, file.name);
  const posted = await fetch(data.url, { method: "POST", body: form });
  if (!posted.ok) throw new Error(`POST ${data.url} answered ${posted.status}`);
  return data.id;
}

/** The checkout form's fields, as both order bodies (files or upload ids) carry them. */
function orderFields(form: Omit<CheckoutForm, "image" | "txidProof">) {
  const crypto: Schemas["PaymentMethodEnum"] = "crypto";
  return {
    product: form.product.id,
    quantity: form.quantity,
    payment_method: crypto,
    customer_name: form.customerName,
    phone: form.phone,
    email: form.email,
    shipping_address: form.address,
    txid: form.txid,
  };
}

/** Checkout with crypto: the order form, its evidence as files, sent as multipart. */
export async function placeOrder(api: Api, form: CheckoutForm) {
  const { data, error, response } = await api.POST("/api/core/orders/", {
    body: { ...orderFields(form), txid_proof: form.txidProof, image: form.image },
    bodySerializer: formData,
  });
  // 400: the form shows each message beside its field.
  return orderOrProblems(data, error, response);
}

/** The same checkout with its files uploaded first: the order itself is a small JSON body. */
export async function placeOrderFromUploads(
  api: Api,
  form: Omit<CheckoutForm, "image" | "txidProof">,
  uploads: { image: string; txidProof: string },
) {
  const { data, error, response } = await api.POST("/api/core/orders/", {
    body: {
      ...orderFields(form),
      image_upload: uploads.image,
      txid_proof_upload: uploads.txidProof,
    },
  });
  return orderOrProblems(data, error, response);
}

function orderOrProblems(data: Order | undefined, error: ErrorBody | undefined, response: Response) {
  if (data) return { order: data, problems: null };
  if (response.status === 400) return { order: null, problems: new ApiError(response, error ?? {}) };
  throw new ApiError(response, error ?? {});
}

/** "My orders", filtered by one status as the tabs do. */
export async function myOrders(api: Api, status: Order["status"]): Promise<Order[]> {
  const { data, error, response } = await api.GET("/api/core/orders/", {
    params: { query: { status } },
  });
  if (error) throw new ApiError(response, error);
  return data.results;
}

/** One order's page, linked by the id from the list. */
export async function orderPage(api: Api, id: number): Promise<Order> {
  const { data, error, response } = await api.GET("/api/core/orders/{id}/", {
    params: { path: { id } },
  });
  if (error) throw new ApiError(response, error);
  return data;
}

/** Top up the wallet: an amount and a screenshot of the transfer. */
export async function depositWithProof(
  api: Api,
  amount: string,
  reference: string,
  proof: File,
): Promise<Deposit> {
  const { data, error, response } = await api.POST("/api/core/deposits/", {
    body: { amount, method: "crypto", reference, proof },
    bodySerializer: formData,
  });
  if (error) throw new ApiError(response, error);
  return data;
}

/** Staff: approve a deposit once; a second approval is refused (409) with the reason. */
export async function approveDeposit(api: Api, id: number) {
  const { data, error, response } = await api.POST("/api/core/deposits/{id}/approve/", {
    params: { path: { id } },
  });
  if (error) {
    if (response.status === 409) return { deposit: null, refusal: error.detail };
    throw new ApiError(response, error);
  }
  return { deposit: data, refusal: undefined };
}

export async function myWallet(api: Api): Promise<Wallet> {
  const { data, error, response } = await api.GET("/api/core/wallet/");
  if (error) throw new ApiError(response, error);
  return data;
}

/** What the image panel shows: a URL for <img src>, from the record or the inline bytes. */
export interface GeneratedImage {
  generation: Generation;
  src: string | null;
}

/** Generate and wait (201), asking for the bytes inline so the panel shows them at once. */
export async function generateNow(api: Api, prompt: string): Promise<GeneratedImage> {
  const { data, error, response } = await api.POST("/api/ai-agent/generate-image/", {
    body: { prompt, style: "photo", aspect_ratio: "1:1", return_base64: true, async: false },
    bodySerializer: formData,
  });
  if (error) throw new ApiError(response, error);
  const inline =
    // The 201 carries the bytes (GenerationWithImage); the type also admits the 202's record.
    "image_base64" in data && data.image_base64 && data.image_mime_type
      ? `data:${data.image_mime_type};base64,${data.image_base64}`
      : null;
  return { generation: data, src: inline ?? data.image_url };
}

export type Refusal = {
  refused: true;
  message: string | undefined;
  retryAfterSeconds: number | null;
};

/**
 * Generate in the background (202), then poll the record until it is finished. Over the daily
 * quota the answer is a 429 whose detail and Retry-After the panel shows.
 */
export async function generateInBackground(
  api: Api,
  prompt: string,
  { pollEveryMs = 250, giveUpAfterMs = 60_000 } = {},
): Promise<GeneratedImage | Refusal> {
  const { data, error, response } = await api.POST("/api/ai-agent/generate-image/", {
    body: { prompt, style: "minimal", aspect_ratio: "16:9", return_base64: false, async: true },
    bodySerializer: formData,
  });
  if (error) {
    // 429 (the daily quota): a detail; the provider's failures answer the generation record.
    if (response.status === 429 && "detail" in error) {
      const { retryAfterSeconds } = new ApiError(response, error);
      return { refused: true, message: detailOf(error), retryAfterSeconds };
    }
    throw new ApiError(response, error);
  }
  let generation: Generation = data;
  const deadline = Date.now() + giveUpAfterMs;
  while (generation.status === "pending" || generation.status === "running") {
    if (Date.now() > deadline) throw new Error(`generation ${generation.id} still ${generation.status}`);
    await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
    const polled = await api.GET("/api/ai-agent/generations/{id}/", {
      params: { path: { id: generation.id } },
    });
    if (polled.error) throw new ApiError(polled.response, polled.error);
    generation = polled.data;
  }
  return { generation, src: generation.image_url };
}

/** A social post with its media, in order (images or videos). */
export async function postWithMedia(api: Api, caption: string, media: File[]): Promise<Post> {
  const { data, error, response } = await api.POST("/api/posts/", {
    body: { caption, status: "draft", media },
    bodySerializer: formData,
  });
  if (error) throw new ApiError(response, error);
  return data;
}

/** A blog article with its banner image. */
export async function blogWithBanner(api: Api, title: string, banner: File): Promise<Blog> {
  const { data, error, response } = await api.POST("/api/blogs/", {
    body: { title, content: "<p>Mining, explained.</p>", status: "published", banner },
    bodySerializer: formData,
  });
  if (error) throw new ApiError(response, error);
  return data;
}

type ProductImage = Schemas["ProductImage"];

/** Staff's product editor: add a picture to the gallery (it goes last unless made primary). */
export async function addGalleryImage(
  api: Api,
  productId: number,
  image: File,
  altText: string,
): Promise<ProductImage> {
  const { data, error, response } = await api.POST("/api/core/products/{id}/images/", {
    params: { path: { id: productId } },
    body: { image, alt_text: altText, is_primary: false },
    bodySerializer: formData,
  });
  if (error) throw new ApiError(response, error);
  return data;
}

/** Staff drag the gallery into a new order; the answer is the gallery in that order. */
export async function reorderGallery(
  api: Api,
  productId: number,
  order: number[],
): Promise<ProductImage[]> {
  const { data, error, response } = await api.POST("/api/core/products/{id}/images/reorder/", {
    params: { path: { id: productId } },
    body: { order },
  });
  if (error) throw new ApiError(response, error);
  return data;
}
