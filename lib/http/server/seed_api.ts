/**
 * The seed course's example API, exactly: `GET /api/data` answers
 * `{"message": "Hello from API", "status": "success"}`; `POST /api/data` with a JSON body
 * answers `{"received": BODY, "status": "success"}`, and 400 when the body is not JSON.
 * wireplay's richer sample document lives at `/api/items`.
 *
 * @module
 */
import { type EndpointContext, json, notFound, text } from "./httpbin_context.ts";

/** What `GET /api/data` answers (the seed's example). */
export const API_DATA = { message: "Hello from API", status: "success" };

/** The sample document of `/api/items`. */
export const API_ITEMS = {
  items: [
    { id: 1, name: "alpha", tags: ["a", "first"] },
    { id: 2, name: "beta", tags: ["b"] },
    { id: 3, name: "gamma", tags: [] },
  ],
  count: 3,
  ok: true,
};

/** The `/api/…` endpoints: `data` (GET, POST) and `items` (GET). */
export function apiEndpoint(req: Request, ctx: EndpointContext, p: string[]): Response {
  if (p.length !== 1) return notFound();
  const read = req.method === "GET" || req.method === "HEAD";
  if (p[0] === "items") {
    if (read) return json(API_ITEMS);
    const res = text(405, "method not allowed\n");
    res.headers.set("allow", "GET, HEAD, OPTIONS");
    return res;
  }
  if (p[0] !== "data") return notFound();
  if (read) return json(API_DATA);
  let received: unknown;
  try {
    received = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(ctx.body));
  } catch {
    return json({ error: "the body is not JSON", status: "error" }, 400);
  }
  return json({ received, status: "success" });
}
