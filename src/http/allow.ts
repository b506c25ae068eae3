import type { Hono } from "hono";

/** Methods the API routes by; HEAD is answered wherever GET is (Hono runs the GET handler). */
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * The methods some route serves at `path`, from the app's own router (so the answer can never
 * disagree with the routes). Empty when no route has this path at all: then it is a 404, not a
 * 405 (RFC 9110 §15.5.6: 405 means the target exists but not with this method).
 */
export function allowedMethods(app: Hono<any>, path: string): string[] {
  // Middleware (app.use: method ALL, e.g. the auth middleware on "*") serves no method by itself.
  const isRoute = (match: unknown) => (match as [[unknown, { method?: string }]])[0][1]?.method !== "ALL";
  const allowed: string[] = METHODS.filter((m) => app.router.match(m, path)[0].some(isRoute));
  if (allowed.includes("GET")) allowed.splice(1, 0, "HEAD");
  return allowed;
}
