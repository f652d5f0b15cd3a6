/**
 * age identities and recipients, found where sops finds them, and the data key
 * wrapped per recipient as an ASCII-armored age file (typage does the age part).
 */
import { Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { NoIdentityError, NoMatchingIdentityError, SopsFormatError } from './errors.ts';
import type { AgeStanza } from './metadata.ts';

/** A parsed age identity: the secret (kept out of every message) and its public recipient. */
export interface AgeIdentity {
  /** `AGE-SECRET-KEY-1…`; never print it. */
  readonly secret: string;
  readonly recipient: string;
  /** Where it was read from (an environment variable or a file), for messages. */
  readonly origin: string;
}

const IDENTITY_RE = /^AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+$/;
const RECIPIENT_RE = /^age1[0-9a-z]+$/;

export function isAgeRecipient(text: string): boolean {
  return RECIPIENT_RE.test(text);
}

/**
 * Reads the identities of a keys.txt text: one `AGE-SECRET-KEY-1…` a line, `#` comments.
 * With `multiplePerLine` (as sops reads SOPS_AGE_KEY) whitespace-separated keys on one line are allowed.
 */
export async function parseIdentities(text: string, origin: string, multiplePerLine = false): Promise<AgeIdentity[]> {
  const identities: AgeIdentity[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = multiplePerLine ? line.split(/[\s,]+/).filter((w) => w !== '') : [line];
    for (const word of words) {
      if (!IDENTITY_RE.test(word)) throw new SopsFormatError(origin, `line ${index + 1} is not an age identity (AGE-SECRET-KEY-1…)`);
      let recipient: string;
      try {
        recipient = await identityToRecipient(word);
      } catch (error) {
        throw new SopsFormatError(origin, `line ${index + 1} is not a valid age identity`, { cause: error instanceof Error ? new Error(error.message.replace(word, '<identity>')) : undefined });
      }
      identities.push({ secret: word, recipient, origin });
    }
  }
  return identities;
}

/** Where sops looks for identities, and what Strata reads. */
export interface IdentitySources {
  /**
   * Environment to read SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and XDG_CONFIG_HOME from.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Home directory for `~/.config/sops/age/keys.txt`.
   * @default os.homedir()
   */
  readonly home?: string;
}

/** The default keys file: `$XDG_CONFIG_HOME/sops/age/keys.txt`, else `~/.config/sops/age/keys.txt` (Linux; sops' os.UserConfigDir). */
export function defaultKeysFile(sources: IdentitySources = {}): string {
  const env = sources.env ?? process.env;
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return join(xdg, 'sops', 'age', 'keys.txt');
  const home = sources.home ?? homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'sops', 'age', 'keys.txt');
  return join(home, '.config', 'sops', 'age', 'keys.txt');
}

/**
 * Loads identities as sops does: SOPS_AGE_KEY (the keys themselves), SOPS_AGE_KEY_FILE,
 * and the user's keys.txt; all that exist are used. Throws NoIdentityError when none is found.
 */
export async function loadIdentities(sources: IdentitySources = {}): Promise<AgeIdentity[]> {
  const env = sources.env ?? process.env;
  const identities: AgeIdentity[] = [];
  const searched: string[] = [];
  const key = env.SOPS_AGE_KEY;
  searched.push('SOPS_AGE_KEY');
  if (key !== undefined) identities.push(...(await parseIdentities(key, 'SOPS_AGE_KEY', true)));
  const keyFile = env.SOPS_AGE_KEY_FILE;
  searched.push('SOPS_AGE_KEY_FILE');
  if (keyFile !== undefined) identities.push(...(await parseIdentities(readKeyFile(keyFile, true) ?? '', keyFile)));
  const fallback = defaultKeysFile(sources);
  searched.push(fallback);
  const text = readKeyFile(fallback, false);
  if (text !== undefined) identities.push(...(await parseIdentities(text, fallback)));
  if (identities.length === 0) throw new NoIdentityError(searched);
  return identities;
}

function readKeyFile(path: string, required: boolean): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SopsFormatError(path, `cannot read the age keys file: ${(error as Error).message}`, { cause: error });
  }
}

/** A new X25519 age identity (what `age-keygen` makes) and its recipient. */
export async function generateIdentity(): Promise<{ readonly secret: string; readonly recipient: string }> {
  const secret = await generateX25519Identity();
  return { secret, recipient: await identityToRecipient(secret) };
}

/** The text of a keys.txt holding one identity, in age-keygen's layout. */
export function keysFileText(identity: { readonly secret: string; readonly recipient: string }, now: Date = new Date()): string {
  return `# created: ${now.toISOString().replace(/\.\d+Z$/, 'Z')}\n# public key: ${identity.recipient}\n${identity.secret}\n`;
}

/**
 * A new identity added to a keys file (created 0600 in a 0700 folder when missing, else
 * appended); returns its recipient. The secret key is written nowhere else.
 */
export async function addNewIdentity(file: string): Promise<string> {
  const identity = await generateIdentity();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (existsSync(file)) appendFileSync(file, `\n${keysFileText(identity)}`);
  else writeFileSync(file, keysFileText(identity), { mode: 0o600 });
  chmodSync(file, 0o600);
  return identity.recipient;
}

/** Encrypts the data key to each recipient separately (one armored age file each), as sops does. */
export async function wrapDataKey(dataKey: Uint8Array, recipients: readonly string[], source: string): Promise<AgeStanza[]> {
  const out: AgeStanza[] = [];
  for (const recipient of recipients) {
    if (!isAgeRecipient(recipient)) throw new SopsFormatError(source, `${JSON.stringify(recipient)} is not an age recipient (age1…)`);
    const encrypter = new Encrypter();
    try {
      encrypter.addRecipient(recipient);
    } catch (error) {
      throw new SopsFormatError(source, `${recipient} is not a valid age recipient`, { cause: error });
    }
    out.push({ recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) });
  }
  return out;
}

/** Recovers the data key with any of the identities; NoMatchingIdentityError when none fits. */
export async function unwrapDataKey(stanzas: readonly AgeStanza[], identities: readonly AgeIdentity[], source: string): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity.secret);
  for (const stanza of stanzas) {
    let file: Uint8Array;
    try {
      file = armor.decode(stanza.enc);
    } catch (error) {
      throw new SopsFormatError(source, `the data key for ${stanza.recipient} is not an armored age file`, { cause: error });
    }
    try {
      const key = await decrypter.decrypt(file);
      if (key.length !== 32) throw new SopsFormatError(source, `the data key for ${stanza.recipient} is ${key.length} bytes, not 32`);
      return key;
    } catch (error) {
      if (error instanceof SopsFormatError) throw error;
      // no identity matched this stanza; try the next recipient
    }
  }
  throw new NoMatchingIdentityError(source, stanzas.map((s) => s.recipient), identities.length);
}
