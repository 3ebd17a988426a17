// pino-roll ships no types; this declares the one call core makes (pino-roll 4).
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';

  /** Options of pino-roll's stream (its own plus SonicBoom's `sync`). */
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    mkdir?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    sync?: boolean;
  }

  /** A SonicBoom stream writing to rolling files. Rejects when the folder cannot be used. */
  export default function pinoRoll(options: PinoRollOptions): Promise<DestinationStream>;
}
