/**
 * The API client a React app builds: openapi-fetch over the types generated from /api/schema/.
 *
 * Nothing here knows an endpoint: paths, bodies, answers and error bodies all come from the
 * schema (src/schema.d.ts, `npm run generate -- <base URL>`), so a schema that misdescribes the
 * server breaks this package's type check instead of the app at run time.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type Schemas = components["schemas"];
export type Api = ReturnType<typeof createClient<paths>>;

/** Where the signed-in user's access token lives (a React context or store in the app). */
export interface Session {
  access: string | null;
}

export function createApi(baseUrl: string, session: Session): Api {
  const api = createClient<paths>({ baseUrl });
  const bearer: Middleware = {
    onRequest({ request }) {
      if (session.access) request.headers.set("Authorization", `Bearer ${session.access}`);
      return request;
    },
  };
  api.use(bearer);
  return api;
}

/** What a form field can carry: `File` and `Blob` are the schema's binary fields. */
type FormValue = string | number | boolean | Blob | null | undefined;
type FormFields = { [field: string]: FormValue | readonly FormValue[] };

/**
 * A typed request body as multipart/form-data: every upload route takes forms. Lists repeat the
 * field in order (post `media`); `null` and `undefined` leave the field out (not given).
 */
export function formData<Body extends { [K in keyof Body]: FormValue | readonly FormValue[] }>(
  body: Body,
): FormData {
  const form = new FormData();
  const fields: FormFields = body;
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined) continue;
      if (item instanceof Blob) form.append(name, item, item instanceof File ? item.name : name);
      else form.append(name, String(item));
    }
  }
  return form;
}

/**
 * The error bodies the API documents: a 400 maps each field (or `non_field_errors`) to its
 * messages and may carry a `detail`; 401, 403, 404, 409 and 429 carry a `detail`.
 */
export type ErrorBody = { readonly [field: string]: unknown };

/** A refused request, with what a UI shows and what it needs to retry politely. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  /** Seconds from `Retry-After` (429, 503): readable cross-origin because CORS exposes it. */
  readonly retryAfterSeconds: number | null;
  /** `X-Request-ID`, to quote in a support request. */
  readonly requestId: string | null;

  constructor(response: Response, body: ErrorBody) {
    super(`${response.status} ${response.url}: ${describe(body)}`);
    this.status = response.status;
    this.body = body;
    const retryAfter = response.headers.get("Retry-After");
    this.retryAfterSeconds = retryAfter === null ? null : Number(retryAfter);
    this.requestId = response.headers.get("X-Request-ID");
  }

  /** Messages per field of a 400, for the form to show beside each input. */
  fieldErrors(): Record<string, string[]> {
    const fields: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(this.body)) {
      if (Array.isArray(value)) fields[name] = value.map(String);
    }
    return fields;
  }
}

/**
 * The message to show for a refusal: `detail` is a string on 401-429 bodies, and on a 400 it may
 * be a list of messages (a rule over several fields).
 */
export function detailOf(body: { readonly detail?: string | readonly string[] }): string | undefined {
  const { detail } = body;
  return typeof detail === "string" ? detail : detail?.join(" ");
}

function describe(body: ErrorBody): string {
  const detail = body["detail"];
  if (typeof detail === "string") return detail;
  return JSON.stringify(body);
}
