/// <reference lib="es2024.string" />
/**
 * The well-formed Unicode rule for names. A JavaScript string may hold a lone UTF-16 surrogate
 * (JSON carries one as `"\ud800"`), but UTF-8 cannot encode it: Redis, log lines and every client
 * would see U+FFFD instead, so two different names would become one. Channel names, user ids,
 * client ids, idempotency keys and tags must therefore be well-formed; the protocol edge refuses the
 * others as a bad request and the engine refuses them too, so none reaches a key.
 */

/**
 * Whether `text` is well-formed Unicode (no lone surrogate). Cheap for the usual names: V8 answers
 * at once for strings it stores one byte per character, which cannot hold a surrogate.
 */
export function isWellFormed(text: string): boolean {
  return text.isWellFormed();
}
