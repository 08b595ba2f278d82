// A request whose parameters are wrong: the message says which one and why (answered as
// InvalidParams by the language server, as a failed request by the large-trace worker).
export class RequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}
