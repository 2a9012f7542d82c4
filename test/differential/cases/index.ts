/** Every case of the differential suite, in the order they run. */
import type { DiffCase } from '../script.js';
import { commandCases } from './commands.js';
import { connectCases } from './connect.js';
import { deltaCases } from './delta.js';
import { presenceHistoryCases } from './presence-history.js';
import { protobufCases } from './protobuf.js';
import { protobufFrameCases } from './protobuf-frames.js';
import { publishCases } from './publish.js';
import { recoverCases } from './recover.js';
import { serverApiCases } from './server-api.js';
import { subscribeCases } from './subscribe.js';
import { tagsFilterCases } from './tags-filter.js';
import { timingCases } from './timing.js';
import { tokenCases } from './tokens.js';
import { transportCases } from './transport.js';

/** All cases; names are unique. */
export const ALL_CASES: DiffCase[] = [
  ...connectCases,
  ...subscribeCases,
  ...tokenCases,
  ...tagsFilterCases,
  ...recoverCases,
  ...publishCases,
  ...presenceHistoryCases,
  ...commandCases,
  ...serverApiCases,
  ...transportCases,
  ...timingCases,
  ...protobufCases,
  ...protobufFrameCases,
  ...deltaCases,
];
