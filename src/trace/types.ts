// The contract between the trace readers (log / ftrace / simpletrace) and the replay engine.
// Readers turn bytes into TraceRecords; the replay engine never looks at raw formats.

/** A value of one event argument, typed by the event definition. */
export type FieldValue = bigint | number | string | boolean;

/** One argument of an event definition (from a trace-events file or the built-in catalog). */
export interface EventArg {
  /** C type as written in trace-events, e.g. "uint64_t", "void *", "const char *" */
  type: string;
  name: string;
}

export interface EventDef {
  name: string;
  args: EventArg[];
  /** printf-like format string without the surrounding quotes, C macros (PRIx64…) expanded or kept */
  format: string;
  /** where the definition came from: "builtin:qemu-9.0" or a trace-events path with line */
  source: string;
}

/** Prefix of a log-backend line, when present. */
export interface LinePrefix {
  pid?: number;
  /** seconds since the epoch (TID@SEC.USEC form) or parsed from the ISO-8601 form */
  time?: number;
  /** the prefix text exactly as printed */
  text: string;
  /** ftrace lines only: the thread name (comm) and the CPU column */
  comm?: string;
  cpu?: number;
}

export type TraceRecord =
  | {
      kind: 'event';
      /** 1-based line number in the file (record index for simpletrace) */
      line: number;
      /** byte offset of the line start in the file */
      offset: number;
      name: string;
      prefix?: LinePrefix;
      /** arguments by name, typed; undefined when the event is unknown or its text did not match */
      fields?: Record<string, FieldValue>;
      /** which definition matched (several versions of one event may exist) */
      def?: EventDef;
      /** the text after the event name, as printed */
      body: string;
    }
  | {
      /** a line that is not a trace event: QEMU error messages, shell echo, console output */
      kind: 'text';
      line: number;
      offset: number;
      text: string;
      prefix?: LinePrefix;
      /** set when the reader had to cut the line (longer than its line limit) */
      reason?: string;
    }
  | { kind: 'blank'; line: number; offset: number }
  | {
      /** an event line whose body did not parse with any known definition of that event */
      kind: 'malformed';
      line: number;
      offset: number;
      name: string;
      body: string;
      /** 1-based column where parsing failed, and why */
      column: number;
      reason: string;
      prefix?: LinePrefix;
    };
