/**
 * A refused HTTP request: its status and a message for the JSON body. The server API also carries a
 * protocol error code (`{"error":{"code","message"}}`); the admin UI and the demo answer
 * `{"error":"<message>"}`. Each module writes the body in its own shape through `writeJson`.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  /**
   * @param status the HTTP status answered
   * @param message what the body says
   * @param code the server API's error code, when the refusal has one
   */
  constructor(
    readonly status: number,
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}
