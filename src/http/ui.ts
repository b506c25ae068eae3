import { Hono } from "hono";
import type { Env } from "../env";
import { CONSOLE_HTML } from "../ui/console";

/** `GET /ui`: the console page (issue 16). Public: it carries no data, only code that calls the API. */
export const uiRoutes = new Hono<{ Bindings: Env }>();

uiRoutes.get("/", (c) =>
  c.html(CONSOLE_HTML, 200, {
    "content-security-policy": "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    "cache-control": "no-store",
  }),
);
