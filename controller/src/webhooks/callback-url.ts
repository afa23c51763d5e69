// Which callback URLs AgentOps will POST to (the SSRF stance, docs/security.md).
// Only http and https, no user name or password in the URL, and never an
// address that reaches a machine's own cloud metadata service or another
// link-local service: 169.254.0.0/16 and fe80::/10 (IPv4-mapped forms too),
// and the metadata addresses outside those ranges (100.100.100.200,
// fd00:ec2::254, metadata.google.internal). Loopback and private addresses are
// allowed: AgentOps runs on a workstation, its tokens are the owner's, and a
// local integration listening on 127.0.0.1 is the common case. The address is
// checked when the URL is given and again for every address DNS returns when
// it is sent (callback-sender.ts passes lookupChecked to the connection), so a
// name that later resolves to a metadata address is refused too. Pure except
// for lookupChecked.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

const BLOCKED_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);
const BLOCKED_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2::254']);

function ipv4Parts(address: string): number[] | undefined {
  const parts = address.split('.').map(Number);
  return parts.length === 4 && parts.every((part) => Number.isInteger(part) && part >= 0 && part <= 255)
    ? parts
    : undefined;
}

/** Whether a literal IP address is one a callback must never reach. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (BLOCKED_ADDRESSES.has(bare)) return true;
  // An IPv4-mapped IPv6 address, dotted (::ffff:169.254.1.1) or as URL parsing writes it (::ffff:a9fe:101).
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare);
  const mapped =
    hex?.[1] && hex[2]
      ? [
          parseInt(hex[1], 16) >> 8,
          parseInt(hex[1], 16) & 255,
          parseInt(hex[2], 16) >> 8,
          parseInt(hex[2], 16) & 255,
        ].join('.')
      : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare)?.[1];
  const v4 = ipv4Parts(mapped ?? bare);
  if (v4) return (v4[0] === 169 && v4[1] === 254) || BLOCKED_ADDRESSES.has(v4.join('.'));
  if (isIP(bare) === 6) return /^fe[89ab][0-9a-f]?:/.test(bare);
  return false;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/** Checks a callback URL as given (its host, when that is an address). */
export function checkCallbackUrl(raw: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'callbackUrl is not a URL; give an absolute http:// or https:// URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, message: `callbackUrl must be http:// or https://, not ${url.protocol}` };
  if (url.username || url.password)
    return { ok: false, message: 'callbackUrl may not hold a user name or password; verify the signature instead' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (BLOCKED_NAMES.has(host) || isForbiddenAddress(host))
    return {
      ok: false,
      message: `callbackUrl may not point at ${host}: link-local and cloud metadata addresses are refused (docs/security.md)`,
    };
  return { ok: true, url };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http(s).request that refuses forbidden addresses, so the checked address is the one connected to. */
export function lookupChecked(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((entry) => isForbiddenAddress(entry.address));
    if (bad) {
      const refused = Object.assign(
        new Error(`${hostname} resolves to ${bad.address}, a link-local or metadata address`),
        {
          code: 'EFORBIDDENADDRESS',
        },
      );
      return callback(refused, []);
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    return callback(null, first.address, first.family);
  });
}
