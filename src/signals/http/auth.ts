// API keys and grants (reference sparkpost-api.md §1.1): `Authorization: <key>` or Basic with the
// key as the user name. Keys are looked up by their SHA-256, so the comparison time says nothing
// about how much of a guessed key was right. A key may be pinned to one subaccount; a primary key
// may act for a subaccount with the `x-msys-subaccount` header.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiKeySpec, Grant } from '../../config/index.js';
import { ApiError } from './errors.js';

export interface AuthContext {
  key: ApiKeySpec;
  /** The subaccount this request is limited to: the key's own, or the one the header names. */
  subaccount?: number;
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

export class KeyTable {
  private readonly byDigest = new Map<string, ApiKeySpec>();

  constructor(keys: readonly ApiKeySpec[]) {
    for (const key of keys) this.byDigest.set(digest(key.key), key);
  }

  private keyOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization?.trim();
    if (!header) return undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (!basic) return header;
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(0, colon) : decoded;
  }

  /** Resolves the caller; throws 401 for no or unknown key, 403 when no grant in `anyOf` is held. */
  authenticate(request: FastifyRequest, anyOf: readonly Grant[]): AuthContext {
    const raw = this.keyOf(request);
    const key = raw === undefined ? undefined : this.byDigest.get(digest(raw));
    if (!key) throw new ApiError('unauthorized', 'Unauthorized.', 'the API key is missing or not known here');
    if (!anyOf.some((grant) => key.grants.includes(grant))) {
      throw new ApiError('forbidden', 'Forbidden.', `this API key lacks the ${anyOf.join(' or ')} grant`);
    }
    const header = request.headers['x-msys-subaccount'];
    const text = Array.isArray(header) ? header[0] : header;
    if (text === undefined || text === '') return { key, subaccount: key.subaccount };
    if (!/^\d{1,9}$/.test(text)) {
      throw new ApiError(
        'invalid_params',
        'Invalid params',
        'x-msys-subaccount must be a subaccount id',
        'x-msys-subaccount',
      );
    }
    const subaccount = Number(text);
    if (key.subaccount !== undefined && key.subaccount !== subaccount) {
      throw new ApiError('forbidden', 'Forbidden.', `this API key belongs to subaccount ${key.subaccount}`);
    }
    return { key, subaccount };
  }
}
