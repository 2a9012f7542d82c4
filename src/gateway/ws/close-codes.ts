/** WebSocket close codes the transport itself uses (RFC 6455 section 7.4.1). */
export enum WsCloseCode {
  Normal = 1000,
  ProtocolError = 1002,
  InvalidPayload = 1007,
  MessageTooBig = 1009,
}

/** Whether a close frame may carry this code: the RFC's assigned subset, and 3000-4999. */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}
