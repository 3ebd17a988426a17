/**
 * File name templates: `{sent:iso} {subject}` and friends (DESIGN §5).
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { Mailbox } from '../contracts/filing.js';

/** What a template can refer to, for one message at one location. */
export interface NamingInput {
  /** Sent time (`Date:` header); when absent, `filedAt` stands in for `{sent:iso}`. */
  sentAt?: Date;
  /** When the user filed the message. */
  filedAt: Date;
  subject?: string;
  from?: Mailbox;
  messageId?: string;
  /** The location's human name. */
  location?: string;
}

/** The default template: `20261128T144613Z Site visit notes`. */
export const DEFAULT_NAME_TEMPLATE = '{sent:iso} {subject}';

/**
 * An instant as ISO 8601 basic format in UTC, `YYYYMMDDTHHMMSSZ` (no colons: Windows forbids them).
 * @public
 */
export function formatIsoBasic(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Tokens a template may use, and how each is rendered. Values are raw; the sanitiser makes them safe. */
const TOKENS: Readonly<Record<string, (input: NamingInput) => string>> = {
  'sent:iso': (i) => formatIsoBasic(i.sentAt ?? i.filedAt),
  'filedAt:iso': (i) => formatIsoBasic(i.filedAt),
  subject: (i) => i.subject ?? '',
  from: (i) => i.from?.name || i.from?.address || '',
  'from.name': (i) => i.from?.name ?? '',
  'from.address': (i) => i.from?.address ?? '',
  'messageId:hash8': (i) => (i.messageId ? createHash('sha256').update(normaliseMessageId(i.messageId)).digest('hex').slice(0, 8) : ''),
  location: (i) => i.location ?? '',
};

/** `<id@host>` and `id@host` name the same message, so both hash alike. */
function normaliseMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}

/** The names of every token a template may use, e.g. `sent:iso`. */
export const NAME_TEMPLATE_TOKENS: readonly string[] = Object.keys(TOKENS);

type Part = string | { token: string };

/**
 * A parsed file name template. Literal text is kept, `{token}` replaced; `{{` and `}}` stand for
 * literal braces. A template names one file (without extension): any separator it yields is
 * replaced by the sanitiser, never turned into a folder.
 * @public
 */
export class NameTemplate {
  private constructor(
    /** The template text as configured. */
    readonly source: string,
    private readonly parts: readonly Part[],
  ) {}

  /** The default, {@link DEFAULT_NAME_TEMPLATE}. */
  static readonly default: NameTemplate = NameTemplate.parse(DEFAULT_NAME_TEMPLATE);

  /**
   * Parses `source`. Throws {@link ConfigError} (key `configKey`, default `naming.template`) naming
   * an unknown token and listing the known ones, or an unclosed/stray brace.
   */
  static parse(source: string, configKey = 'naming.template'): NameTemplate {
    const parts: Part[] = [];
    let literal = '';
    for (let i = 0; i < source.length; i++) {
      const c = source[i]!;
      if ((c === '{' || c === '}') && source[i + 1] === c) {
        literal += c;
        i++;
        continue;
      }
      if (c === '}') {
        throw new ConfigError([{ key: configKey, expected: 'a template whose "}" closes a "{token}" (write "}}" for a literal brace)', found: JSON.stringify(source) }]);
      }
      if (c !== '{') {
        literal += c;
        continue;
      }
      const close = source.indexOf('}', i + 1);
      if (close < 0) {
        throw new ConfigError([{ key: configKey, expected: 'a template whose "{" is closed by "}" (write "{{" for a literal brace)', found: JSON.stringify(source) }]);
      }
      const token = source.slice(i + 1, close).trim();
      if (!Object.hasOwn(TOKENS, token)) {
        throw new ConfigError([{
          key: configKey,
          expected: `known template tokens only (${NAME_TEMPLATE_TOKENS.map((t) => `{${t}}`).join(', ')})`,
          found: `unknown token {${token}}`,
        }]);
      }
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ token });
      i = close;
    }
    if (literal) parts.push(literal);
    return new NameTemplate(source, parts);
  }

  /** The file name stem for `input`, not yet sanitised (see {@link makeFileName}). Never throws. */
  render(input: NamingInput): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : TOKENS[p.token]!(input))).join('');
  }
}
