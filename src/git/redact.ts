/** Keeps credentials out of what Strata prints: URLs with userinfo and Authorization headers. */

/** Replaces any userinfo in a URL (`https://user:token@host` → `https://***@host`) so it can be logged. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** `text` with the userinfo of every URL in it and every Authorization header replaced by `***`. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@').replace(/Authorization: \S+ \S+/gi, 'Authorization: ***');
}
