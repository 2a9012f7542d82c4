/** The control message that forwards an emulation request to the node holding its session. */
import type { EmulationOp } from './messages.js';

export function emulationOp(request: { node: string; session: string; data: Buffer }): EmulationOp {
  return {
    type: 'emulation',
    node: request.node,
    session: request.session,
    data: request.data.toString('base64'),
  };
}
