export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];

/** A translate function fixed to one language (and one escaping mode). */
export type Translate = (key: string, values?: Record<string, unknown>) => string;
