/**
 * Every secret value this process knows (tokens, passwords, client secrets), so the logger can
 * blank them wherever they appear, even inside an error message from an SDK.
 * @public
 */
export class SecretRegistry {
  private readonly values = new Set<string>();

  /** Adds a secret. Values shorter than 4 characters are ignored (they would blank ordinary text). */
  add(value: string | undefined): void {
    if (value && value.length >= 4) this.values.add(value);
  }

  /** `text` with every known secret replaced by `[redacted]`. */
  scrub(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('[redacted]');
    return out;
  }

  /** Whether any secret is known. */
  get size(): number {
    return this.values.size;
  }
}
