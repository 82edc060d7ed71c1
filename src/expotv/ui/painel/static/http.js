// Requests from the dashboard's pages: JSON, the CSRF header on writes, and a
// session that ended elsewhere (logout in another tab, a password change) sends
// the page to the sign-in form.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export function toLogin() {
  const here = location.pathname + location.search;
  location.assign("/login?next=" + encodeURIComponent(here));
}

export class HttpError extends Error {
  constructor(status, body) {
    super("HTTP " + status);
    this.status = status;
    this.body = body;
  }
}

export async function requestJSON(url, options = {}) {
  const method = (options.method || "GET").toUpperCase();
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (method !== "GET" && method !== "HEAD") {
    headers["X-CSRF-Token"] = csrfToken();
  }
  const response = await fetch(url, {
    ...options,
    method,
    headers,
    credentials: "same-origin",
  });
  if (response.status === 401) {
    toLogin();
    throw new HttpError(401, null);
  }
  const body = response.headers.get("content-type")?.includes("json")
    ? await response.json()
    : null;
  if (!response.ok) {
    throw new HttpError(response.status, body);
  }
  return body;
}

// A message for people from an API error body ({"detail": "..."} or the 422 list).
export function errorText(body, fallback = "Não foi possível concluir. Tente de novo.") {
  if (!body) return fallback;
  if (typeof body.detail === "string") return capitalize(body.detail);
  if (Array.isArray(body.detail) && body.detail.length) {
    return capitalize(body.detail[0].msg || fallback);
  }
  return fallback;
}

export function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
