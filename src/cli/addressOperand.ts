// The ADDR operand of `resolve`, in every form a user has seen elsewhere in the product: a bare
// number (`0x1000`, `4096`) with --space/--device as options, or named by its space the way the
// memory view, the debug console and the Resolve Address… box write it (`gpa:0x1000`,
// `giova:00:03.0:0x1000`). A prefix and an option that disagree are a usage error, not a guess.
import { parseAddressQuery } from '../shared/addressQuery.js';
import { addressArg, oneValue, type ParsedArgs } from './args.js';
import { UsageError } from './io.js';

export interface AddressOperand {
  addr: bigint;
  /** from --space or the prefix; unchecked against a command's own list of spaces */
  space: string | undefined;
  /** from --device or giova's BDF, lower case */
  device: string | undefined;
}

export function addressOperand(addrText: string, args: ParsedArgs): AddressOperand {
  const spaceOpt = oneValue(args, 'space');
  const deviceOpt = oneValue(args, 'device')?.toLowerCase();
  if (!/^[a-z]+:/i.test(addrText)) return { addr: addressArg(addrText), space: spaceOpt, device: deviceOpt };
  const q = parseAddressQuery(addrText);
  if ('error' in q) throw new UsageError(`ADDR ${JSON.stringify(addrText)}: ${q.error}`);
  if (spaceOpt !== undefined && q.space !== undefined && spaceOpt !== q.space) throw new UsageError(`ADDR names the ${q.space} space but --space says ${spaceOpt}`);
  const device = q.device?.toLowerCase();
  if (deviceOpt !== undefined && device !== undefined && deviceOpt !== device) throw new UsageError(`ADDR names device ${device} but --device says ${deviceOpt}`);
  return { addr: addressArg(q.addr), space: q.space ?? spaceOpt, device: device ?? deviceOpt };
}
