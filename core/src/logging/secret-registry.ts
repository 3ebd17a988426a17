/**
 * Every secret value this process knows (tokens, passwords, client secrets), so the logger can
 * blank them wherever they appear, even inside an error message from an SDK.
 * @public
 */
export class SecretRegistry {
  private readonly values = new Set<string>();
  /** Credentials handed out while running (access tokens rotate): the most recent ones, oldest first. */
  private readonly issued = new Set<string>();

  /** Adds a secret. Values shorter than 4 characters are ignored (they would blank ordinary text). */
  add(value: string | undefined): void {
    if (!value || value.length < 4 || this.values.has(value)) return;
    this.values.add(value);
    this.longestFirst = undefined;
  }

  /**
   * Adds a secret obtained while running (an access or refresh token). Tokens rotate, so only the
   * {@link SecretRegistry.ISSUED_KEPT} most recent are kept: enough for every account's current ones.
   */
  addIssued(value: string | undefined): void {
    if (!value || value.length < 4 || this.values.has(value)) return;
    const known = this.issued.delete(value);
    this.issued.add(value);
    if (known) return;
    if (this.issued.size > SecretRegistry.ISSUED_KEPT) this.issued.delete(this.issued.values().next().value!);
    this.longestFirst = undefined;
  }

  /** How many issued secrets {@link SecretRegistry.addIssued} keeps. */
  static readonly ISSUED_KEPT = 256;

  /** `text` with every known secret replaced by `[redacted]`. */
  scrub(text: string): string {
    // Longest first: a secret that begins with another must not be left with its tail showing.
    this.longestFirst ??= [...this.values, ...this.issued].sort((a, b) => b.length - a.length);
    let out = text;
    for (const v of this.longestFirst) if (out.includes(v)) out = out.split(v).join('[redacted]');
    return out;
  }

  private longestFirst: string[] | undefined;

  /** Whether any secret is known. */
  get size(): number {
    return this.values.size + this.issued.size;
  }
}
