// Text from traces, file names and QEMU (region names, owners) reaches the terminal: an ESC in
// a name could move the cursor or retitle the window, a newline could fake an output line. Such
// characters are shown escaped (\x1b, \n) instead.

// C0 controls, DEL and C1 controls; tab is kept.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_KEEP_NL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

const escape = (c: string): string => {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  return `\\x${code.toString(16).padStart(2, '0')}`;
};

/** One line's worth of untrusted text (a file name, a message): every control character escaped. */
export const termSafe = (s: string): string => s.replace(CONTROL, escape);

/** Multi-line text we built: control characters escaped, line breaks kept. */
export const termLines = (s: string): string => s.replace(CONTROL_KEEP_NL, escape);
