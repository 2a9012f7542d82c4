/** An HTTP-level API failure: its status and a JSON body `{"error":{"code","message"}}`. */
export class ApiHttpError extends Error {
  override readonly name = 'ApiHttpError';
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
