// The bearer token in front of the agent's read-only pages (`strata agent --ui --ui-token-file`).
// Programs send `Authorization: Bearer <token>`; a browser, which cannot add that header to a page
// or an EventSource, posts the token once to /login and gets it back as an HttpOnly cookie.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'strata-ui-token';

function same(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the request carries the token as a bearer header or as the login cookie. */
export function authorized(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  if (header.startsWith('Bearer ') && same(header.slice('Bearer '.length).trim(), token)) return true;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE && same(decodeURIComponent(value.join('=')), token)) return true;
  }
  return false;
}

/** The cookie a correct login sets: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

/** Reads a small urlencoded form body (the login form), refusing more than 4 KiB. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > 4096) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export const LOGIN_HTML = (failed: boolean) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Strata: sign in</title>
<style>:root { color-scheme: light dark; } body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; } input, button { font: inherit; padding: .3rem; } .error { color: #a40e26; } @media (prefers-color-scheme: dark) { .error { color: #ff7b72; } }</style></head>
<body><main><h1>Strata</h1>${failed ? '<p class="error" role="alert">That token is not the one the agent was given.</p>' : ''}
<form method="post" action="/login"><label>Token (the agent's --ui-token-file) <input type="password" name="token" autocomplete="current-password" autofocus required></label> <button type="submit">Sign in</button></form></main></body></html>
`;
