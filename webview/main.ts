// Translation tree webview (part 6). Stub until the view lands.
export {};
